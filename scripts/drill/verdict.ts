// What the drill checks in the warehouse after the faults: one successful run per tenant and day, no duplicate
// rows (current tables and the current history partitions), nothing half-published, and answers equal to those
// of a clean single-process run of the same simulated day.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openReadOnly, sqlIdent, sqlString } from '../../src/warehouse';

/** Relations that record how the day was produced (ids, times, audit) rather than what the tenant looks like. */
const NOT_ANSWERS = /^(runs|snapshots|reclamation|reclaim|history_partitions|schema_migrations|model|marts_due|settings|prices|contracts|licensing_reference)/;
/** Columns that name a run or the moment something was written. */
const VOLATILE_COLUMNS = new Set(['run_id', 'loaded_at', 'started_at', 'finished_at', 'written_at', 'superseded_at', 'published_at', 'generation', 'refreshed_at', 'computed_at']);

export interface RunsVerdict {
  expected: number;
  succeeded: number;
  problems: string[];
}

export async function checkRuns(dbPath: string, tenantIds: string[], snapshotDate: string): Promise<RunsVerdict> {
  const db = await openReadOnly(dbPath);
  try {
    const rows = (
      await db.query(
        `SELECT tenant_id, count(*)::INTEGER AS n, count(*) FILTER (WHERE status = 'succeeded')::INTEGER AS ok, string_agg(status, ',') AS statuses
       FROM runs WHERE snapshot_date = $1::DATE GROUP BY tenant_id`,
        [snapshotDate],
      )
    ).rows as Array<{ tenant_id: string; n: number; ok: number; statuses: string }>;
    const byTenant = new Map(rows.map((r) => [r.tenant_id, r]));
    const problems: string[] = [];
    let succeeded = 0;
    for (const t of tenantIds) {
      const r = byTenant.get(t);
      if (r && r.n === 1 && r.ok === 1) succeeded++;
      else problems.push(`runs for ${t} on ${snapshotDate}: ${r ? `${r.n} rows (${r.statuses})` : 'none'}`);
    }
    return { expected: tenantIds.length, succeeded, problems };
  } finally {
    db.close();
  }
}

export interface DuplicateVerdict {
  duplicateRows: number;
  problems: string[];
}

/** Rows that appear more often than once in a base table or in a current history partition file. */
export async function checkDuplicates(dbPath: string, historyRoot: string): Promise<DuplicateVerdict> {
  const db = await openReadOnly(dbPath);
  const problems: string[] = [];
  let duplicateRows = 0;
  try {
    const tables = (await db.query(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1`)).rows.map((r) => String(r.table_name));
    for (const t of tables) {
      const r = (await db.query(`SELECT (SELECT count(*) FROM ${sqlIdent(t)}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${sqlIdent(t)}))::BIGINT AS d`)).rows[0];
      const d = Number(r?.d ?? 0);
      if (d > 0) problems.push(`${d} duplicate rows in table ${t}`);
      duplicateRows += d;
    }
    const parts = (await db.query(`SELECT tenant_id, table_name, snapshot_date::VARCHAR AS day, generation, row_count FROM history_partitions WHERE superseded_at IS NULL`))
      .rows as Array<{ tenant_id: string; table_name: string; day: string; generation: string; row_count: bigint | number }>;
    const current = new Map<string, number>();
    for (const p of parts) {
      const key = `${p.tenant_id}/${p.table_name}/${p.day}`;
      current.set(key, (current.get(key) ?? 0) + 1);
      const file = path.join(historyRoot, p.table_name, `tenant_id=${p.tenant_id}`, `snapshot_date=${p.day}`, `part-${p.generation}.parquet`);
      if (!existsSync(file)) {
        problems.push(`current history partition missing: ${file}`);
        continue;
      }
      const r = (
        await db.query(
          `SELECT count(*)::BIGINT AS n, (SELECT count(*) FROM (SELECT DISTINCT * FROM read_parquet(${sqlString(file)})))::BIGINT AS u FROM read_parquet(${sqlString(file)})`,
        )
      ).rows[0]!;
      const d = Number(r.n) - Number(r.u);
      if (d > 0) problems.push(`${d} duplicate rows in ${file}`);
      if (Number(r.n) !== Number(p.row_count)) problems.push(`${file} holds ${Number(r.n)} rows, its record says ${Number(p.row_count)}`);
      duplicateRows += d;
    }
    for (const [key, n] of current) if (n > 1) problems.push(`${n} current generations of ${key}`);
    return { duplicateRows, problems };
  } finally {
    db.close();
  }
}

/** Temporary publish copies left beside the published file (a publish that never finished). */
export function halfPublished(dbPath: string): string[] {
  const dir = path.dirname(dbPath);
  const prefix = `.${path.basename(dbPath)}.publish-`;
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(prefix)) : [];
}

/** Per relation that describes the tenants: row count and an order-independent hash of its rows. */
export async function answerFingerprints(dbPath: string, snapshotDate: string): Promise<Record<string, string>> {
  const db = await openReadOnly(dbPath);
  try {
    const cols = (
      await db.query(`SELECT table_name, list(column_name ORDER BY ordinal_position) AS cols FROM information_schema.columns WHERE table_schema = 'main' GROUP BY 1 ORDER BY 1`)
    ).rows as Array<{ table_name: string; cols: string[] }>;
    const out: Record<string, string> = {};
    for (const { table_name: name, cols: all } of cols) {
      const list = Array.from(all as Iterable<string>);
      if (NOT_ANSWERS.test(name) || !list.includes('tenant_id')) continue;
      const keep = list.filter((c) => !VOLATILE_COLUMNS.has(c));
      const where = list.includes('snapshot_date') ? `WHERE snapshot_date = ${sqlString(snapshotDate)}::DATE` : '';
      const r = (await db.query(`SELECT count(*)::BIGINT AS n, coalesce(sum(hash(${keep.map(sqlIdent).join(', ')})::HUGEINT), 0)::VARCHAR AS h FROM ${sqlIdent(name)} ${where}`))
        .rows[0]!;
      out[name] = `${Number(r.n)} rows, ${String(r.h)}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** The relations whose answers differ between the drill and the clean run. */
export function compareAnswers(drill: Record<string, string>, clean: Record<string, string>): string[] {
  const names = new Set([...Object.keys(drill), ...Object.keys(clean)]);
  return [...names]
    .sort()
    .filter((n) => drill[n] !== clean[n])
    .map((n) => `${n}: drill ${drill[n] ?? 'missing'} vs clean ${clean[n] ?? 'missing'}`);
}
