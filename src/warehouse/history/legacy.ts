// Warehouses from before the partitions kept every snapshot in tables (legacy_* since migration 7). On the first
// open after the upgrade, each (tenant, day) moves into partitions, oldest first, through the same code as a load;
// then the tables are dropped. Empty ones (a new warehouse) are simply dropped.
import type { DuckDBConnection } from '@duckdb/node-api';
import { markMartsDue } from '../models/build';
import { HAS_SIGN_IN } from '../load/sign-in-activity';
import { sqlString } from '../db/sql';
import { inTransaction } from '../db/transaction';
import { DAILY_TABLES, registerDayFiles, syncCurrentState, writeDayFiles, type StagedDay } from './day';
import { stageFile } from './files';
import { columnNames, ROSTER_TABLES, type RosterTable } from './layout';
import { rosterColumns } from './roster';

const LEGACY = [...ROSTER_TABLES.filter((t) => t !== 'sign_ins'), ...DAILY_TABLES].map((t) => [t, `legacy_${t}`] as const);

/** Where a roster table's rows were before the partitions: sign-in times were columns of `users` then. */
const legacySource = (table: RosterTable, where: string): string => (table === 'sign_ins' ? `legacy_users ${where} AND ${HAS_SIGN_IN}` : `legacy_${table} ${where}`);

export async function moveLegacyHistory(conn: DuckDBConnection, root: string): Promise<void> {
  const present = new Set(
    (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND table_name LIKE 'legacy_%'`)).getRowsJson().map((r) => String(r[0])),
  );
  if (present.size === 0) return;
  const days = present.has('legacy_users')
    ? (
        await conn.runAndReadAll(
          `SELECT DISTINCT l.tenant_id, l.snapshot_date::VARCHAR, coalesce(s.activity_loaded, true) FROM legacy_users l
         LEFT JOIN snapshots s USING (tenant_id, snapshot_date) ORDER BY 1, 2`,
        )
      ).getRowsJson()
    : [];
  let previous: { tenant: string; date: string } | null = null;
  const tenants = new Set<string>();
  for (const [tenant, date, activity] of days as [string, string, boolean][]) {
    const where = `WHERE tenant_id = ${sqlString(tenant)} AND snapshot_date = DATE ${sqlString(date)}`;
    for (const table of ROSTER_TABLES) {
      await conn.run(`CREATE OR REPLACE TEMP TABLE new_${table} AS SELECT ${rosterColumns(table).join(', ')} FROM ${legacySource(table, where)}`);
    }
    const daily: StagedDay['daily'] = {};
    for (const table of DAILY_TABLES) {
      if (!activity && table !== 'suspicious_activity') continue;
      daily[table] = await stageFile(conn, root, tenant, `legacy-${table}`, `SELECT ${columnNames(table).join(', ')} FROM legacy_${table} ${where}`);
    }
    const roster = { users: 'new_users', license_assignments: 'new_license_assignments', skus: 'new_skus', sign_ins: 'new_sign_ins' };
    const prev = previous?.tenant === tenant ? previous.date : null;
    const files = await writeDayFiles(conn, root, tenant, date, { roster, daily }, { prev, next: null });
    await inTransaction(conn, () => registerDayFiles(conn, tenant, files));
    previous = { tenant, date };
    tenants.add(tenant);
  }
  await inTransaction(conn, async () => {
    for (const tenant of tenants) {
      await syncCurrentState(conn, root, tenant, null);
      await markMartsDue(conn, tenant);
    }
    for (const table of ROSTER_TABLES) await conn.run(`DROP TABLE IF EXISTS temp.new_${table}`);
    for (const [, legacy] of LEGACY) await conn.run(`DROP TABLE IF EXISTS ${legacy}`);
  });
}
