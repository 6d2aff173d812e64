// One (tenant, day) into the history: write its partition files (new generations) before the transaction,
// then, inside it, make them the current ones and bring the current-state tables up to date. A crash between the
// two leaves files no `history_partitions` row names: invisible, and removed by the next collection.
//
// Input: temp tables new_users, new_license_assignments, new_skus (roster columns), new_suspicious, and when the
// day's activity is trusted new_office365_active_user_detail and new_email_activity_user_detail.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../sql';
import { writePartition, type WrittenPartition } from './files';
import { columnNames, newGeneration, partFileName, partitionDir, ROSTER_TABLES, type HistoryTableName, type RosterTable } from './layout';
import { changesSql, currentTable, emptyRoster, rosterAsOfSql, rosterColumns } from './roster';

export const REPORT_HISTORY_TABLES = ['office365_active_user_detail', 'email_activity_user_detail'] as const;
export const DAILY_TABLES = [...REPORT_HISTORY_TABLES, 'suspicious_activity'] as const;

export interface DayFiles {
  written: WrittenPartition[];
  /** (table, day) whose current partition the new files replace, or retire with no replacement. */
  supersede: { table: HistoryTableName; snapshotDate: string }[];
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<string | null> {
  return ((await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] as string | null | undefined) ?? null;
}

/** Writes a partition, or nothing when the relation is empty (a day without roster changes has no file). */
async function writeIfAny(
  conn: DuckDBConnection,
  root: string,
  p: Parameters<typeof writePartition>[2],
  sql: string,
): Promise<WrittenPartition | null> {
  const w = await writePartition(conn, root, p, sql);
  if (w.rows > 0) return w;
  rmSync(path.join(partitionDir(root, p.table, p.tenantId, p.snapshotDate), partFileName(p.generation)), { force: true });
  return null;
}

export async function writeDayFiles(
  conn: DuckDBConnection,
  root: string,
  tenantId: string,
  date: string,
  /** `neighbours`: the loaded days before and after (default from `snapshots`; the legacy move gives its own). */
  opts: { activity: boolean; neighbours?: { prev: string | null; next: string | null } },
): Promise<DayFiles> {
  const t = sqlString(tenantId);
  const d = `DATE ${sqlString(date)}`;
  const prev = opts.neighbours
    ? opts.neighbours.prev
    : await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND snapshot_date < ${d}`);
  const next = opts.neighbours
    ? opts.neighbours.next
    : await scalar(conn, `SELECT min(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND snapshot_date > ${d}`);
  const written: WrittenPartition[] = [];
  const supersede: DayFiles['supersede'] = [];
  const keep = (w: WrittenPartition | null) => w && written.push(w);

  for (const table of ROSTER_TABLES) {
    const cols = rosterColumns(table).join(', ');
    supersede.push({ table, snapshotDate: date });
    let prevRel = emptyRoster(table);
    if (prev) {
      // The usual day: the current-state table already holds the previous day's roster.
      const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM ${currentTable(table)} WHERE tenant_id = ${t}`);
      const latest = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t}`);
      if (latest === prev && held === prev) {
        prevRel = `(SELECT ${cols} FROM ${currentTable(table)} WHERE tenant_id = ${t})`;
      } else {
        await conn.run(`CREATE OR REPLACE TEMP TABLE prev_${table} AS ${rosterAsOfSql(root, table, tenantId, prev)}`);
        prevRel = `prev_${table}`;
      }
    }
    // The next loaded day's changes were computed against the old version of this day: recompute them.
    if (next) await conn.run(`CREATE OR REPLACE TEMP TABLE next_${table} AS ${rosterAsOfSql(root, table, tenantId, next)}`);
    keep(await writeIfAny(conn, root, { table, tenantId, snapshotDate: date, generation: newGeneration(), base: !prev }, changesSql(table, `new_${table}`, prevRel)));
    if (next) {
      supersede.push({ table, snapshotDate: next });
      keep(await writeIfAny(conn, root, { table, tenantId, snapshotDate: next, generation: newGeneration(), base: false }, changesSql(table, `next_${table}`, `new_${table}`)));
      await conn.run(`DROP TABLE IF EXISTS temp.next_${table}`);
    }
    await conn.run(`DROP TABLE IF EXISTS temp.prev_${table}`);
  }

  for (const table of DAILY_TABLES) {
    supersede.push({ table, snapshotDate: date });
    if (!opts.activity && table !== 'suspicious_activity') continue;
    const sql = `SELECT ${columnNames(table).join(', ')} FROM new_${table}`;
    keep(await writeIfAny(conn, root, { table, tenantId, snapshotDate: date, generation: newGeneration(), base: false }, sql));
  }
  return { written, supersede };
}

/** Makes the written files current (inside the caller's transaction). */
export async function registerDayFiles(conn: DuckDBConnection, tenantId: string, files: DayFiles): Promise<void> {
  const t = sqlString(tenantId);
  for (const s of files.supersede) {
    await conn.run(
      `UPDATE history_partitions SET superseded_at = now() WHERE tenant_id = ${t} AND table_name = ${sqlString(s.table)}
         AND snapshot_date = DATE ${sqlString(s.snapshotDate)} AND superseded_at IS NULL`,
    );
  }
  for (const w of files.written) {
    await conn.run(
      `INSERT INTO history_partitions VALUES (${t}, ${sqlString(w.table)}, DATE ${sqlString(w.snapshotDate)}, ${sqlString(w.generation)},
         ${w.rows}, ${w.bytes}, ${w.base}, now(), NULL)`,
    );
  }
}

/**
 * Brings the current-state tables of a tenant in line with `snapshots` (inside the caller's transaction): the
 * roster of the latest day and the report rows of the latest trusted day, from the day just staged when it is
 * that day, otherwise from the partitions.
 */
export async function syncCurrentState(conn: DuckDBConnection, root: string, tenantId: string, stagedDate: string | null, stagedActivity: boolean): Promise<void> {
  const t = sqlString(tenantId);
  const latest = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t}`);
  for (const table of ROSTER_TABLES) await syncRoster(conn, root, tenantId, table, latest, stagedDate);
  const activity = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND activity_loaded`);
  for (const table of REPORT_HISTORY_TABLES) {
    const current = `current_${table}`;
    const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM ${current} WHERE tenant_id = ${t}`);
    const fromStaged = activity !== null && activity === stagedDate && stagedActivity;
    if (!fromStaged && held === activity) continue;
    await conn.run(`DELETE FROM ${current} WHERE tenant_id = ${t}`);
    if (activity === null) continue;
    const cols = columnNames(table).join(', ');
    const source = fromStaged
      ? `new_${table}`
      : `(SELECT ${cols} FROM ${table} WHERE tenant_id = ${t} AND snapshot_date = DATE ${sqlString(activity)})`;
    await conn.run(`INSERT INTO ${current} SELECT ${t}, DATE ${sqlString(activity)}, ${cols} FROM ${source}`);
  }
}

async function syncRoster(conn: DuckDBConnection, root: string, tenantId: string, table: RosterTable, latest: string | null, stagedDate: string | null): Promise<void> {
  const t = sqlString(tenantId);
  const current = currentTable(table);
  const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM ${current} WHERE tenant_id = ${t}`);
  if (latest !== stagedDate && held === latest) return;
  await conn.run(`DELETE FROM ${current} WHERE tenant_id = ${t}`);
  if (latest === null) return;
  const cols = rosterColumns(table).join(', ');
  const source = latest === stagedDate ? `new_${table}` : `(${rosterAsOfSql(root, table, tenantId, latest)})`;
  await conn.run(`INSERT INTO ${current} SELECT ${t}, DATE ${sqlString(latest)}, ${cols} FROM ${source}`);
}
