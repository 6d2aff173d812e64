// Per-tenant thresholds and exclusions of the analyst views (`settings` table); defaults apply where a value is
// unset (NULL), so `unset` returns a value to the default. Each change records who made it (`settings_changes`).
import type { DuckDBConnection } from '@duckdb/node-api';
import { withWriter } from '../db/handles';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';
import { DEFAULT_SETTINGS, type WarehouseSettings } from '../types';
import { SETTING_KEYS, SETTINGS_SCHEMA, type SettingKey } from '../rules/settings-schema';

export { SETTING_KEYS, type SettingKey } from '../rules/settings-schema';

/** Each setting's column in `settings`. */
export const SETTING_COLUMNS = Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS_SCHEMA[k].column])) as Record<SettingKey, string>;
const LISTS = new Set<SettingKey>(SETTING_KEYS.filter((k) => SETTINGS_SCHEMA[k].kind === 'list'));

/** The row as stored: a missing value means "the default". */
async function readStored(conn: DuckDBConnection, tenantId: string): Promise<WarehouseSettings> {
  const r = await conn.runAndReadAll(`SELECT ${SETTING_KEYS.map((k) => SETTING_COLUMNS[k]).join(', ')} FROM settings WHERE tenant_id = $1`, [tenantId]);
  const row = r.getRowsJson()[0];
  const stored: Record<string, unknown> = {};
  if (row) SETTING_KEYS.forEach((k, i) => row[i] !== null && row[i] !== undefined && (stored[k] = row[i]));
  return stored as WarehouseSettings;
}

export async function readSettings(conn: DuckDBConnection, tenantId: string): Promise<Required<WarehouseSettings>> {
  return { ...DEFAULT_SETTINGS, ...(await readStored(conn, tenantId)) };
}

export async function getSettings(workDbPath: string, tenantId: string): Promise<Required<WarehouseSettings>> {
  return withWriter(workDbPath, (conn) => readSettings(conn, tenantId));
}

function check(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${name} must be a whole number of days >= 0, got ${v}`);
}

export interface SettingsChangeOptions {
  /** Keys returned to their default (stored as NULL). */
  unset?: readonly SettingKey[];
  /** Who changes them (recorded in settings.updated_by and settings_changes). */
  actor?: string;
}

/** Merges `partial` into the tenant's settings (unset fields keep their value; `opts.unset` ones return to the default). */
export async function updateSettings(workDbPath: string, tenantId: string, partial: WarehouseSettings, opts: SettingsChangeOptions = {}): Promise<Required<WarehouseSettings>> {
  check('inactivityDays', partial.inactivityDays);
  check('graceDays', partial.graceDays);
  check('freshnessDays', partial.freshnessDays);
  check('noticeDays', partial.noticeDays);
  check('remindAfterHours', partial.remindAfterHours);
  check('escalateAfterHours', partial.escalateAfterHours);
  const actor = opts.actor ?? 'api';
  return withWriter(workDbPath, async (conn) => {
    const stored: Record<string, unknown> = { ...(await readStored(conn, tenantId)) };
    for (const [k, v] of Object.entries(partial)) if (v !== undefined) stored[k] = v;
    for (const k of opts.unset ?? []) delete stored[k];
    const values = SETTING_KEYS.map((k) => (stored[k] === undefined ? null : LISTS.has(k) ? JSON.stringify(stored[k]) : stored[k]));
    const change = { ...partial, ...Object.fromEntries((opts.unset ?? []).map((k) => [k, null])) };
    await inTransaction(conn, async () => {
      await conn.run(
        `INSERT OR REPLACE INTO settings (tenant_id, ${SETTING_KEYS.map((k) => SETTING_COLUMNS[k]).join(', ')}, updated_at, updated_by)
         VALUES ($1, ${SETTING_KEYS.map((k, i) => (LISTS.has(k) ? `$${i + 2}::JSON::VARCHAR[]` : `$${i + 2}`)).join(', ')}, now(), $${SETTING_KEYS.length + 2})`,
        [tenantId, ...(values as (string | number | null)[]), actor],
      );
      await conn.run('INSERT INTO settings_changes VALUES ($1, now(), $2, $3::JSON)', [tenantId, actor, JSON.stringify(change)]);
      // The candidate marts are tables: this tenant's rows are recomputed under the new thresholds at publish.
      await markMartsDue(conn, tenantId);
    });
    return readSettings(conn, tenantId);
  });
}
