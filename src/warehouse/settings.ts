// Per-tenant thresholds of the analyst views (`settings` table); defaults apply where a value is unset.
import type { DuckDBConnection } from '@duckdb/node-api';
import { withWriter } from './db';
import { historyRootFor } from './history/layout';
import { refreshTenantModels } from './models';
import { DEFAULT_SETTINGS, type WarehouseSettings } from './types';

export async function readSettings(conn: DuckDBConnection, tenantId: string): Promise<Required<WarehouseSettings>> {
  const r = await conn.runAndReadAll(
    'SELECT inactivity_days, grace_days, freshness_days, exclude_upn_patterns, exclude_group_ids FROM settings WHERE tenant_id = $1',
    [tenantId],
  );
  const row = r.getRowsJson()[0];
  if (!row) return { ...DEFAULT_SETTINGS };
  return {
    inactivityDays: (row[0] as number | null) ?? DEFAULT_SETTINGS.inactivityDays,
    graceDays: (row[1] as number | null) ?? DEFAULT_SETTINGS.graceDays,
    freshnessDays: (row[2] as number | null) ?? DEFAULT_SETTINGS.freshnessDays,
    excludeUpnPatterns: (row[3] as string[] | null) ?? [],
    excludeGroupIds: (row[4] as string[] | null) ?? [],
  };
}

export async function getSettings(workDbPath: string, tenantId: string): Promise<Required<WarehouseSettings>> {
  return withWriter(workDbPath, (conn) => readSettings(conn, tenantId));
}

function check(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${name} must be a whole number of days >= 0, got ${v}`);
}

/** Merges `partial` into the tenant's settings (unset fields keep their value). */
export async function updateSettings(workDbPath: string, tenantId: string, partial: WarehouseSettings): Promise<void> {
  check('inactivityDays', partial.inactivityDays);
  check('graceDays', partial.graceDays);
  check('freshnessDays', partial.freshnessDays);
  await withWriter(workDbPath, async (conn) => {
    const s = { ...(await readSettings(conn, tenantId)), ...partial };
    await conn.run(
      `INSERT OR REPLACE INTO settings VALUES ($1, $2, $3, $4, $5::JSON::VARCHAR[], $6::JSON::VARCHAR[], now())`,
      [
        tenantId,
        s.inactivityDays,
        s.graceDays,
        s.freshnessDays,
        JSON.stringify(s.excludeUpnPatterns),
        JSON.stringify(s.excludeGroupIds),
      ],
    );
    // The candidate marts are tables: recompute this tenant's rows under the new thresholds.
    await refreshTenantModels(conn, historyRootFor(workDbPath), tenantId);
  });
}
