// A reclamation's audit trail as the published warehouse's audit table records it: who asked, approved or rejected,
// when, and the reason or comment they gave. That text is kept only there, never in workflow history, so the pages
// and `reclaim status` read it here when they are shown.
import type { ReadOnlyWarehouse } from '../db/handles';
import type { AuditLine } from './types';

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const COLUMNS = `event, "at"::VARCHAR AS at, run_id, actor, actor_upn, reason, outcome`;
const lineOf = (row: Record<string, unknown>): AuditLine => ({
  event: String(row.event),
  at: String(row.at),
  runId: text(row.run_id),
  actor: text(row.actor),
  actorUpn: text(row.actor_upn),
  text: text(row.reason),
  outcome: text(row.outcome),
});

/** The newest `limit` lines of one reclamation (every run), newest first. */
export async function auditTrailOf(db: ReadOnlyWarehouse, workflowId: string, limit: number): Promise<AuditLine[]> {
  const r = await db.query(`SELECT ${COLUMNS} FROM reclamations WHERE workflow_id = $1 ORDER BY "at" DESC, event LIMIT $2`, [workflowId, limit]);
  return r.rows.map(lineOf);
}

/** The request line of one run (a removal's or a restore's): the reason given and the requester's UPN. */
export async function requestLineOf(db: ReadOnlyWarehouse, workflowId: string, runId: string): Promise<AuditLine | null> {
  const r = await db.query(
    `SELECT ${COLUMNS} FROM reclamations
     WHERE workflow_id = $1 AND run_id = $2 AND event IN ('requested', 'restore_requested') ORDER BY "at" DESC LIMIT 1`,
    [workflowId, runId],
  );
  return r.rows[0] ? lineOf(r.rows[0]) : null;
}
