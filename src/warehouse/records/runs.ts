// The `runs` log and the `reclamations` audit trail: single-row writes (events, not bulk data).
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { withWriter } from '../db/handles';
import type { ReclamationEvent, RunRecord } from '../types';

const n = (v: number | undefined): DuckDBValue => (v === undefined ? null : BigInt(v));

/** Upserts the run's row by run_id on an open connection (inside the caller's transaction). */
export async function insertRun(conn: DuckDBConnection, run: RunRecord): Promise<void> {
  await conn.run('DELETE FROM runs WHERE run_id = $1', [run.runId]);
  const c = run.counts ?? {};
  await conn.run(
    `INSERT INTO runs VALUES ($1, $2, $3::DATE, $4::TIMESTAMPTZ, coalesce($5::TIMESTAMPTZ, now()), $6,
       $7, $8, $9, $10, $11, $12, $13::DATE, $14, $15, $16, $17)`,
    [
      run.runId,
      run.tenantId,
      run.snapshotDate ?? null,
      run.startedAt ?? null,
      run.finishedAt ?? null,
      run.status,
      n(c.users),
      n(c.licensedUsers),
      n(c.skus),
      n(c.assignments),
      n(c.activityRows),
      n(c.suspiciousRows),
      run.reportRefreshDate ?? null,
      run.concealed ?? null,
      run.concealedRatio ?? null,
      run.stale ?? null,
      run.message,
    ],
  );
}

/** Writes (or replaces) one run's row, e.g. a failed run with its message. */
export async function recordRun(workDbPath: string, run: RunRecord): Promise<void> {
  await withWriter(workDbPath, async (conn) => {
    await conn.run('BEGIN TRANSACTION');
    try {
      await insertRun(conn, run);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK');
      throw err;
    }
  });
}

/**
 * A load committed but its publish failed: say so on the run's own row (same run id and tenant), keeping the
 * load's counts. The next successful publish carries the data; the row stays until the run is loaded again.
 */
export async function markPublishFailed(workDbPath: string, runId: string, error: unknown): Promise<void> {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await withWriter(workDbPath, async (conn) => {
    await conn.run(
      `UPDATE runs SET status = 'publish_failed', finished_at = now(),
         message = 'Loaded into the working database, but publishing it failed (analysts still see the previous snapshot): ' || $2 || ' | ' || coalesce(message, '')
       WHERE run_id = $1`,
      [runId, why],
    );
  });
}

/** The recorded status of a run, or null when it has no row. */
export async function runStatus(workDbPath: string, runId: string): Promise<string | null> {
  return withWriter(workDbPath, async (conn) => {
    const r = await conn.runAndReadAll('SELECT status FROM runs WHERE run_id = $1', [runId]);
    return (r.getRowsJson()[0]?.[0] as string | undefined) ?? null;
  });
}

/** Appends one audit event; writing the same (workflow_id, event, at) again changes nothing (activity retries). */
export async function recordReclamationEvent(workDbPath: string, ev: ReclamationEvent): Promise<void> {
  const at = ev.at instanceof Date ? ev.at.toISOString() : ev.at;
  await withWriter(workDbPath, async (conn) => {
    await conn.run(
      `INSERT INTO reclamations (workflow_id, tenant_id, user_id, event, actor, "at", reason, skus, outcome, detail, disabled_plans, actor_upn, identity, run_id)
       SELECT $1, $2, $3, $4, $5, $6::TIMESTAMPTZ, $7, $8::JSON::VARCHAR[], $9, $10, $11::JSON, $12, $13, $14
       WHERE NOT EXISTS (SELECT 1 FROM reclamations WHERE workflow_id = $1 AND event = $4 AND "at" = $6::TIMESTAMPTZ)`,
      [
        ev.workflowId,
        ev.tenantId,
        ev.userId,
        ev.event,
        ev.actor ?? null,
        at,
        ev.reason ?? null,
        ev.skus ? JSON.stringify(ev.skus) : null,
        ev.outcome ?? null,
        ev.detail ?? null,
        ev.disabledPlans === undefined ? null : JSON.stringify(ev.disabledPlans),
        ev.actorUpn ?? null,
        ev.identity ?? null,
        ev.runId ?? null,
      ],
    );
  });
}
