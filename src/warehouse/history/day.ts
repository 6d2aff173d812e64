// One (tenant, day) into the history: write its partition files (new generations) before the transaction,
// then, inside it, make them the current ones and bring the current-state tables up to date. A crash between the
// two leaves files no `history_partitions` row names: invisible, and removed by the next collection.
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/sql';
import { placePartition, writePartition, type StagedFile, type WrittenPartition } from './files';
import { HISTORY_TABLES, newGeneration, partFileName, partitionDir, ROSTER_TABLES, type HistoryTableName, type RosterTable } from './layout';
import path from 'node:path';
import { changesSql, currentTable, emptyRoster, rosterAsOfSql, rosterColumns } from './roster';

export const REPORT_HISTORY_TABLES = ['office365_active_user_detail', 'email_activity_user_detail'] as const;
export const DAILY_TABLES = [...REPORT_HISTORY_TABLES, 'suspicious_activity'] as const;
export type DailyTable = (typeof DAILY_TABLES)[number];

/** The staged day: a relation per roster table (rosterColumns order), and the daily tables as scratch files. */
export interface StagedDay {
  roster: Record<RosterTable, string>;
  /** Absent report tables: a concealed day (its report partitions are retired, none written). */
  daily: Partial<Record<DailyTable, StagedFile>>;
}

export interface DayFiles {
  written: WrittenPartition[];
  /**
   * Per roster table whose changes were computed against its current-state table (the usual next day): the
   * changes file (null: no change), so the current state is updated by applying them instead of rewritten.
   */
  increments?: Partial<Record<RosterTable, string | null>>;
  /** (table, day) whose current partition the new files replace, or retire with no replacement. */
  supersede: { table: HistoryTableName; snapshotDate: string }[];
}

/** Above this share of the current rows changed, the current-state table is replaced rather than patched. */
const MAX_INCREMENT_SHARE = 0.2;

async function currentRows(conn: DuckDBConnection, table: RosterTable, tenantId: string): Promise<number> {
  return Number(await scalar(conn, `SELECT count(*)::VARCHAR FROM ${currentTable(table)} WHERE tenant_id = ${sqlString(tenantId)}`));
}

const partitionFile = (root: string, w: WrittenPartition): string => path.join(partitionDir(root, w.table, w.tenantId, w.snapshotDate), partFileName(w.generation));

async function scalar(conn: DuckDBConnection, sql: string): Promise<string | null> {
  return ((await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] as string | null | undefined) ?? null;
}

export async function writeDayFiles(
  conn: DuckDBConnection,
  root: string,
  tenantId: string,
  date: string,
  staged: StagedDay,
  /** The loaded days before and after (default from `snapshots`; the legacy move gives its own). */
  neighbours?: { prev: string | null; next: string | null },
): Promise<DayFiles> {
  const t = sqlString(tenantId);
  const d = `DATE ${sqlString(date)}`;
  const prev = neighbours ? neighbours.prev : await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND snapshot_date < ${d}`);
  const next = neighbours ? neighbours.next : await scalar(conn, `SELECT min(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND snapshot_date > ${d}`);
  const latest = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t}`);
  const written: WrittenPartition[] = [];
  const supersede: DayFiles['supersede'] = [];
  const increments: NonNullable<DayFiles['increments']> = {};
  const keep = (w: WrittenPartition | null) => w && written.push(w);

  for (const table of ROSTER_TABLES) {
    const cols = rosterColumns(table).join(', ');
    const cur = staged.roster[table];
    supersede.push({ table, snapshotDate: date });
    let prevRel = emptyRoster(table);
    let incremental = false;
    if (prev) {
      // The usual day: the current-state table already holds the previous day's roster.
      const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM ${currentTable(table)} WHERE tenant_id = ${t}`);
      if (latest === prev && held === prev) {
        prevRel = `(SELECT ${cols} FROM ${currentTable(table)} WHERE tenant_id = ${t})`;
        incremental = !next;
      } else {
        await conn.run(`CREATE OR REPLACE TEMP TABLE prev_${table} AS ${rosterAsOfSql(root, table, tenantId, prev)}`);
        prevRel = `prev_${table}`;
      }
    }
    // The next loaded day's changes were computed against the old version of this day: recompute them.
    if (next) await conn.run(`CREATE OR REPLACE TEMP TABLE next_${table} AS ${rosterAsOfSql(root, table, tenantId, next)}`);
    const target = { table, tenantId, snapshotDate: date, generation: newGeneration(), base: !prev };
    const changes = await writePartition(conn, root, target, changesSql(table, cur, prevRel), true);
    keep(changes);
    // Applying changes costs a join per changed row: when most of the roster changed (sign-in times move daily for
    // most users), replacing the tenant's current rows from the staged day is cheaper.
    if (incremental && (!changes || changes.rows <= MAX_INCREMENT_SHARE * (await currentRows(conn, table, tenantId)))) {
      increments[table] = changes ? partitionFile(root, changes) : null;
    }
    if (next) {
      supersede.push({ table, snapshotDate: next });
      const nextTarget = { table, tenantId, snapshotDate: next, generation: newGeneration(), base: false };
      keep(await writePartition(conn, root, nextTarget, changesSql(table, `next_${table}`, cur), true));
      await conn.run(`DROP TABLE IF EXISTS temp.next_${table}`);
    }
    await conn.run(`DROP TABLE IF EXISTS temp.prev_${table}`);
  }

  for (const table of DAILY_TABLES) {
    supersede.push({ table, snapshotDate: date });
    const file = staged.daily[table];
    if (!file) continue;
    if (file.rows === 0) rmSync(file.file, { force: true });
    else keep(await placePartition(root, { table, tenantId, snapshotDate: date, generation: newGeneration(), base: false }, file));
  }
  return { written, supersede, increments };
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

/** Applies a day's changes file to the current-state table that held the previous day (a few rows, not all). */
async function applyIncrement(conn: DuckDBConnection, tenantId: string, table: RosterTable, file: string | null, date: string): Promise<void> {
  const t = sqlString(tenantId);
  const current = currentTable(table);
  if (file) {
    const changes = `read_parquet(${sqlString(file)})`;
    const key = HISTORY_TABLES[table].key.map((k) => `c.${k} IS NOT DISTINCT FROM x.${k}`).join(' AND ');
    await conn.run(`DELETE FROM ${current} c USING ${changes} x WHERE c.tenant_id = ${t} AND ${key}`);
    await conn.run(`INSERT INTO ${current} SELECT ${t}, DATE ${sqlString(date)}, ${rosterColumns(table).join(', ')} FROM ${changes} WHERE change = 'upsert'`);
  }
  await conn.run(`UPDATE ${current} SET snapshot_date = DATE ${sqlString(date)} WHERE tenant_id = ${t}`);
}

const SERVICES = ['exchange', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'] as const;

/** Per matched user, the last activity per service from the two report relations (what user_last_activity reads). */
export function activitySummarySql(active: string, email: string): string {
  const matched = 'user_id IS NOT NULL AND NOT coalesce(is_deleted, false)';
  return `SELECT user_id, ${SERVICES.map((s) => `max(${s}_last_activity_date) AS ${s}_last_activity_date`).join(', ')},
            max(outlook_last_activity_date) AS outlook_last_activity_date, max(last_license_assign_date) AS last_license_assign_date
          FROM (SELECT user_id, ${SERVICES.map((s) => `${s}_last_activity_date`).join(', ')}, NULL::DATE AS outlook_last_activity_date,
                       greatest(${SERVICES.map((s) => `${s}_license_assign_date`).join(', ')}) AS last_license_assign_date
                FROM ${active} WHERE ${matched}
                UNION ALL
                SELECT user_id, ${SERVICES.map(() => 'NULL::DATE').join(', ')}, last_activity_date, NULL::DATE
                FROM ${email} WHERE ${matched})
          GROUP BY user_id`;
}

/**
 * Brings the current-state tables of a tenant in line with `snapshots` (inside the caller's transaction): the
 * roster of the latest day and the activity of the latest trusted day, from the day just staged when it is that
 * day, otherwise from the partitions.
 */
export async function syncCurrentState(
  conn: DuckDBConnection,
  root: string,
  tenantId: string,
  staged: { date: string; roster: Record<RosterTable, string>; activity: string | null; increments?: DayFiles['increments'] } | null,
): Promise<void> {
  const t = sqlString(tenantId);
  const latest = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t}`);
  for (const table of ROSTER_TABLES) {
    const current = currentTable(table);
    const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM ${current} WHERE tenant_id = ${t}`);
    const fromStaged = latest !== null && latest === staged?.date;
    if (!fromStaged && held === latest) continue;
    const increment = fromStaged ? staged.increments?.[table] : undefined;
    if (increment !== undefined) {
      await applyIncrement(conn, tenantId, table, increment, latest!);
      continue;
    }
    await conn.run(`DELETE FROM ${current} WHERE tenant_id = ${t}`);
    if (latest === null) continue;
    const cols = rosterColumns(table).join(', ');
    const source = fromStaged ? staged.roster[table] : `(${rosterAsOfSql(root, table, tenantId, latest)})`;
    await conn.run(`INSERT INTO ${current} SELECT ${t}, DATE ${sqlString(latest)}, ${cols} FROM ${source}`);
  }
  const activity = await scalar(conn, `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND activity_loaded`);
  const held = await scalar(conn, `SELECT any_value(snapshot_date)::VARCHAR FROM current_user_activity WHERE tenant_id = ${t}`);
  const fromStaged = activity !== null && activity === staged?.date && staged.activity !== null;
  if (!fromStaged && held === activity) return;
  await conn.run(`DELETE FROM current_user_activity WHERE tenant_id = ${t}`);
  if (activity === null) return;
  const day = `WHERE tenant_id = ${t} AND snapshot_date = DATE ${sqlString(activity)}`;
  const source = fromStaged
    ? staged.activity!
    : `(${activitySummarySql(`(SELECT * FROM office365_active_user_detail ${day})`, `(SELECT * FROM email_activity_user_detail ${day})`)})`;
  await conn.run(`INSERT INTO current_user_activity SELECT ${t}, DATE ${sqlString(activity)}, * FROM ${source}`);
}
