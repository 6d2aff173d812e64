// Snapshots dated after today: loads refuse them now, but a warehouse written before that may hold one, and it
// poses as the newest day (latest views, the freshness re-check). Finding them, and removing them: only days beyond
// today plus the slack, all of a tenant's at once in one transaction, so the day before becomes the newest again.
// Runs rows stay (they are the record of what happened); partition files go at the next collection.
import type { DuckDBConnection } from '@duckdb/node-api';
import { latestAcceptedDate } from '../../shared/snapshot-date';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';
import { registerDayFiles, syncCurrentState, type DayFiles } from './day';
import { HISTORY_TABLE_NAMES } from './layout';

/** The command that removes them (the CLI registers it under this name). */
export const DROP_FUTURE_COMMAND = 'drop-future-snapshots';

export interface FutureSnapshots {
  tenantId: string;
  dates: string[];
}

/** Tenants holding snapshots dated after today plus the slack, with those dates. */
export async function findFutureSnapshots(conn: DuckDBConnection, now: Date = new Date()): Promise<FutureSnapshots[]> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT tenant_id, list(snapshot_date::VARCHAR ORDER BY snapshot_date) FROM snapshots WHERE snapshot_date > $1::DATE GROUP BY tenant_id ORDER BY tenant_id`,
      [latestAcceptedDate(now)],
    )
  ).getRowsJson();
  return rows.map((r) => ({ tenantId: String(r[0]), dates: (r[1] as unknown[]).map(String) }));
}

/** One line per tenant naming the future days and the command that removes them; empty when there are none. */
export function futureSnapshotWarnings(found: FutureSnapshots[]): string[] {
  return found.map(
    (f) =>
      `warning: tenant ${f.tenantId} holds snapshot${f.dates.length === 1 ? '' : 's'} dated after today (${f.dates.join(', ')}); ` +
      `they pose as its newest day. Remove them with: m365-license ${DROP_FUTURE_COMMAND} --tenant ${f.tenantId} --apply`,
  );
}

/**
 * Removes the tenant's snapshots dated after today plus the slack (history partitions retired, per-snapshot rows
 * deleted, current state rebuilt from the newest day left) and marks its marts due. Returns the days removed.
 */
export async function dropFutureSnapshots(conn: DuckDBConnection, root: string, tenantId: string, now: Date = new Date()): Promise<string[]> {
  const limit = latestAcceptedDate(now);
  return inTransaction(conn, async () => {
    const found = (await findFutureSnapshots(conn, now)).find((f) => f.tenantId === tenantId);
    if (!found) return [];
    const days = (
      await conn.runAndReadAll(
        `SELECT DISTINCT snapshot_date::VARCHAR FROM history_partitions WHERE tenant_id = $1 AND snapshot_date > $2::DATE AND superseded_at IS NULL ORDER BY 1`,
        [tenantId, limit],
      )
    )
      .getRowsJson()
      .map((r) => String(r[0]));
    const files: DayFiles = { written: [], supersede: [] };
    for (const table of HISTORY_TABLE_NAMES) for (const d of days) files.supersede.push({ table, snapshotDate: d });
    await registerDayFiles(conn, tenantId, files);
    for (const table of ['snapshots', 'subscriptions', 'copilot_activity']) {
      await conn.run(`DELETE FROM ${table} WHERE tenant_id = $1 AND snapshot_date > $2::DATE`, [tenantId, limit]);
    }
    await syncCurrentState(conn, root, tenantId, null);
    await markMartsDue(conn, tenantId);
    return found.dates;
  });
}
