// Retention (M365_HISTORY_DAYS): after a successful load, days older than the limit leave the history. The limit
// counts back from the wall clock, never from the newest snapshot, so no snapshot date can push real days out. The cut
// is metadata only (their rows in `snapshots` and `history_partitions`); the files go at the next collection. The
// oldest kept day becomes the roster's new base (the whole roster), since the changes before it are dropped.
// `runs` and `reclamations` are never pruned.
import type { DuckDBConnection } from '@duckdb/node-api';
import { retentionCutoff } from '../../shared/snapshot-date';
import { sqlString } from '../db/sql';
import { registerDayFiles, type DayFiles } from './day';
import { writePartition } from './files';
import { newGeneration, ROSTER_TABLES } from './layout';
import { baseSql, rosterAsOfSql } from './roster';

const dates = async (conn: DuckDBConnection, sql: string, params: string[]): Promise<string[]> => (await conn.runAndReadAll(sql, params)).getRowsJson().map((r) => String(r[0]));

/** Keeps the tenant's days of the last `days` calendar days, counted back from today (UTC); 0 keeps all. */
export async function applyRetention(conn: DuckDBConnection, root: string, tenantId: string, days: number, now: Date = new Date()): Promise<{ prunedDays: string[] }> {
  const limit = retentionCutoff(days, now);
  if (!limit) return { prunedDays: [] };
  const pruned = await dates(conn, `SELECT snapshot_date::VARCHAR FROM snapshots WHERE tenant_id = $1 AND snapshot_date <= $2::DATE ORDER BY 1`, [tenantId, limit]);
  if (pruned.length === 0) return { prunedDays: [] };
  const cutoff = pruned[pruned.length - 1]!;
  const base = (await dates(conn, `SELECT min(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = $1 AND snapshot_date > $2::DATE`, [tenantId, cutoff]))[0];
  const files: DayFiles = { written: [], supersede: [] };
  for (const table of ROSTER_TABLES) {
    for (const d of pruned) files.supersede.push({ table, snapshotDate: d });
    if (!base) continue;
    const isBase = await dates(
      conn,
      `SELECT count(*) FROM history_partitions WHERE tenant_id = $1 AND table_name = $2 AND snapshot_date = $3::DATE AND superseded_at IS NULL AND base`,
      [tenantId, table, base],
    );
    if (isBase[0] !== '0') continue;
    files.supersede.push({ table, snapshotDate: base });
    files.written.push(
      (await writePartition(
        conn,
        root,
        { table, tenantId, snapshotDate: base, generation: newGeneration(), base: true },
        baseSql(table, rosterAsOfSql(root, table, tenantId, base)),
      ))!,
    );
  }
  for (const table of ['office365_active_user_detail', 'email_activity_user_detail', 'suspicious_activity'] as const) {
    for (const d of pruned) files.supersede.push({ table, snapshotDate: d });
  }
  await conn.run('BEGIN TRANSACTION');
  try {
    await registerDayFiles(conn, tenantId, files);
    // The per-snapshot tables kept in the database (subscriptions and the Copilot report) follow the same cut.
    for (const table of ['snapshots', 'subscriptions', 'copilot_activity']) {
      await conn.run(`DELETE FROM ${table} WHERE tenant_id = ${sqlString(tenantId)} AND snapshot_date <= DATE ${sqlString(cutoff)}`);
    }
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK');
    throw err;
  }
  return { prunedDays: pruned };
}
