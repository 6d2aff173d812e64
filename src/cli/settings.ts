// `m365-license settings show|set|unset`: the thresholds and exclusions behind the candidate list, per tenant.
// Changes are validated here, written through the warehouse writer (settings-write.ts) and published at once;
// each records who made it (the object id of their Entra sign-in, checked by the process that writes) and when.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, parseConfig } from '../config';
import { DEFAULT_SETTINGS, openReadOnly, SETTING_COLUMNS, type SettingKey } from '../warehouse/index';
import { NUMERIC_SETTING_KEYS, SETTING_KEYS, SETTINGS_SCHEMA, settingHelp, type NumericSettingKey } from '../warehouse/rules/settings-schema';
import type { WarehouseSettings } from '../warehouse/index';
import { parseDays, parseUpnPatterns, resolveGroups, resolveSkus, writeSettings } from './settings-write';
import { settingsBinding } from '../activities/settings';
import { safeJson, safeText } from './output/sanitize';
import { personProofs } from './reclaim/proof';
import { UsageError } from './usage-error';
import { hasGraphCredentials, pickKnownTenant } from './known-tenant';

/** Flag, setting key and label of each setting, in display order. */
const FIELDS = SETTING_KEYS.map((key) => ({ flag: SETTINGS_SCHEMA[key].flag, key, label: SETTINGS_SCHEMA[key].label }));

export interface ShownSettings {
  tenantId: string;
  effective: Required<WarehouseSettings>;
  /** Keys with a stored value (the others are defaults). */
  stored: SettingKey[];
  updatedAt: string | null;
  updatedBy: string | null;
  changes: Array<{ changedAt: string; changedBy: string; change: unknown }>;
}

/** The tenant's settings as the published warehouse has them (defaults when it has none yet). */
export async function readShownSettings(dbPath: string, tenantId: string): Promise<ShownSettings> {
  const shown: ShownSettings = { tenantId, effective: { ...DEFAULT_SETTINGS }, stored: [], updatedAt: null, updatedBy: null, changes: [] };
  if (!existsSync(dbPath)) return shown;
  const db = await openReadOnly(dbPath);
  try {
    const row = (await db.query('SELECT * FROM settings WHERE tenant_id = $1', [tenantId])).rows[0];
    if (!row) return shown;
    for (const f of FIELDS) {
      const v = row[SETTING_COLUMNS[f.key]];
      if (v === null || v === undefined) continue;
      shown.stored.push(f.key);
      (shown.effective as Record<string, unknown>)[f.key] = typeof v === 'bigint' ? Number(v) : v;
    }
    shown.updatedAt = row.updated_at ? new Date(String(row.updated_at)).toISOString() : null;
    shown.updatedBy = (row.updated_by as string | null) ?? null;
    const changes = await db
      .query(`SELECT changed_at::VARCHAR AS at, changed_by AS by, change::VARCHAR AS change FROM settings_changes WHERE tenant_id = $1 ORDER BY changed_at DESC LIMIT 5`, [
        tenantId,
      ])
      // A file published before settings_changes existed has no change log yet.
      .catch(() => ({ rows: [] as Record<string, unknown>[] }));
    shown.changes = changes.rows.map((c) => ({ changedAt: String(c.at), changedBy: String(c.by), change: JSON.parse(String(c.change)) as unknown }));
    return shown;
  } finally {
    db.close();
  }
}

function showLines(s: ShownSettings): string[] {
  const lines = [`Settings of tenant ${s.tenantId}:`];
  for (const f of FIELDS) {
    const v = s.effective[f.key];
    const text = Array.isArray(v) ? (v.length ? v.join(', ') : 'none') : String(v);
    lines.push(`  ${f.label.padEnd(22)} ${text}${s.stored.includes(f.key) ? '' : ' (default)'}`);
  }
  if (s.updatedBy) lines.push(`  last changed by ${s.updatedBy} at ${s.updatedAt}`);
  for (const c of s.changes) lines.push(`    ${c.changedAt} ${c.changedBy}: ${JSON.stringify(c.change)}`);
  return lines;
}

/** What commander hands `settings set`: each numeric setting's text under its key, the lists as given. */
type SetOptions = Partial<Record<NumericSettingKey, string>> & {
  tenant?: string;
  excludeUpn?: string[] | boolean;
  excludeGroup?: string[] | boolean;
  excludeSku?: string[] | boolean;
  by?: string;
  json?: boolean;
};

export function registerSettings(program: Command): void {
  const settings = program.command('settings').description('thresholds and exclusions of the candidate list, per tenant');

  settings
    .command('show')
    .description('the effective settings (defaults marked), who changed them last, and the latest changes')
    .option('--tenant <tenant>', 'tenant id or name, configured or in the warehouse (default: the only one configured, else the only one the warehouse holds)')
    .option('--json', 'as one JSON object')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const config = parseConfig();
      const s = await readShownSettings(config.dbPath, await pickKnownTenant(config, opts.tenant));
      // Stored text (patterns, who changed them) reaches the terminal without control characters, as everywhere.
      process.stdout.write(opts.json ? `${safeJson(JSON.stringify(s))}\n` : `${safeText(showLines(s).join('\n'))}\n`);
    });

  const setCommand = settings
    .command('set')
    .description('change settings; lists replace the current list (give the flag with no value to empty it, or use unset)')
    .option('--tenant <tenant>', 'tenant id or name, configured or in the warehouse (default: the only one configured, else the only one the warehouse holds)');
  for (const key of SETTING_KEYS) setCommand.option(`--${SETTINGS_SCHEMA[key].flag} ${'arg' in SETTINGS_SCHEMA[key] ? SETTINGS_SCHEMA[key].arg : '<n>'}`, settingHelp(key));
  setCommand
    .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in')
    .option('--json', 'print the resulting settings as JSON')
    .action(async (opts: SetOptions) => {
      const list = (v: string[] | boolean | undefined): string[] | undefined => (v === undefined ? undefined : v === true ? [] : (v as string[]));
      const set: WarehouseSettings = {};
      for (const key of NUMERIC_SETTING_KEYS) set[key] = parseDays(`--${SETTINGS_SCHEMA[key].flag}`, key, opts[key]);
      set.excludeUpnPatterns = parseUpnPatterns(list(opts.excludeUpn));
      const config = parseConfig();
      const tenantId = await pickKnownTenant(config, opts.tenant);
      set.excludeSkuPartNumbers = await resolveSkus(config, tenantId, list(opts.excludeSku));
      set.excludeGroupIds = await resolveGroups(config, tenantId, list(opts.excludeGroup));
      const given = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as WarehouseSettings;
      if (Object.keys(given).length === 0) throw new UsageError('settings set: give at least one setting (see settings set --help)');
      await apply(config, tenantId, given, [], opts.by, opts.json);
    });

  const unset = settings
    .command('unset')
    .description('return settings to their defaults (lists to empty)')
    .option('--tenant <tenant>', 'tenant id or name, configured or in the warehouse (default: the only one configured, else the only one the warehouse holds)')
    .option('--all', 'every setting')
    .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in')
    .option('--json', 'print the resulting settings as JSON');
  for (const f of FIELDS) unset.option(`--${f.flag}`, `reset ${f.label}`);
  unset.action(async (opts: Record<string, unknown> & { tenant?: string; all?: boolean; by?: string; json?: boolean }) => {
    const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const keys = FIELDS.filter((f) => opts.all || opts[camel(f.flag)]).map((f) => f.key);
    if (keys.length === 0) throw new UsageError('settings unset: name the settings to reset (e.g. --grace-days) or --all');
    const config = parseConfig();
    await apply(config, await pickKnownTenant(config, opts.tenant), {}, keys, opts.by, opts.json);
  });
}

/** One line saying what a change does, for the sign-in prompt. */
function changeSummary(set: WarehouseSettings, unset: SettingKey[]): string {
  const parts = FIELDS.flatMap((f) => {
    const v = set[f.key];
    if (v !== undefined) return [`${f.label} = ${Array.isArray(v) ? v.join(', ') || 'none' : String(v)}`];
    return unset.includes(f.key) ? [`${f.label} back to default`] : [];
  });
  return parts.join('; ');
}

async function apply(
  config: ReturnType<typeof parseConfig>,
  tenantId: string,
  set: WarehouseSettings,
  unset: SettingKey[],
  by: string | undefined,
  json: boolean | undefined,
): Promise<void> {
  // Who changes settings signs in (as for approvals), bound to exactly this change; a name counts in the lab mode only.
  // A signed-in person's membership of the settings-admins group is checked through Graph: say so before the sign-in.
  if (config.approvalIdentity === 'verified' && !hasGraphCredentials(config, tenantId)) {
    throw new ConfigError(
      `Changing the settings of tenant ${tenantId} needs its Graph credentials (to check that you are a settings admin): add it to M365_TENANTS_FILE or the M365_* variables; in a lab, M365_APPROVAL_IDENTITY=unverified with --by.`,
    );
  }
  const proofFor = personProofs(config, { by, tenant: tenantId });
  const binding = settingsBinding({ tenantId, set, unset });
  const proof = await proofFor(binding, `change the settings of tenant ${tenantId}: ${changeSummary(set, unset)}`);
  const { via } = await writeSettings(config, { tenantId, proof, set, unset });
  const shown = await readShownSettings(config.dbPath, tenantId);
  if (json) {
    process.stdout.write(`${safeJson(JSON.stringify({ ...shown, writtenBy: via }))}\n`);
    return;
  }
  process.stdout.write(`${safeText(showLines(shown).join('\n'))}\n`);
  process.stderr.write(
    `Saved and published (${via === 'worker' ? 'by the running warehouse worker' : 'directly: no warehouse worker runs'}); candidates and inactive_licensed_users reflect it now.\n`,
  );
}
