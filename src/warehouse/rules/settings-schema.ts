// Every tenant setting in one table: its column in `settings`, its CLI flag and label, its kind, allowed range and
// help. The stored columns, the CLI's options and help, its range checks and the worker's validation of a change
// all come from here, so a new setting or a changed range is one edit (the defaults are DEFAULT_SETTINGS in types.ts).
import type { WarehouseSettings } from '../types';

export type SettingKey = keyof WarehouseSettings;

export interface SettingSpec {
  column: string;
  flag: string;
  label: string;
  kind: 'days' | 'hours' | 'list';
  /** Inclusive bounds of a number of days or hours. */
  range?: readonly [number, number];
  /** The option's argument in the CLI's help (lists take several values). */
  arg?: string;
  help: string;
  /** Said after the range in the help, e.g. what 0 means. */
  note?: string;
}

export const SETTINGS_SCHEMA = {
  inactivityDays: {
    column: 'inactivity_days',
    flag: 'inactivity-days',
    label: 'inactivity days',
    kind: 'days',
    range: [1, 3650],
    help: 'days without activity before a licensed user is a candidate',
  },
  graceDays: {
    column: 'grace_days',
    flag: 'grace-days',
    label: 'grace days',
    kind: 'days',
    range: [0, 3650],
    help: 'days after creation or a new licence during which a user is never a candidate',
  },
  freshnessDays: {
    column: 'freshness_days',
    flag: 'freshness-days',
    label: 'freshness days',
    kind: 'days',
    range: [1, 365],
    help: 'a report older than this many days marks activity stale',
  },
  excludeUpnPatterns: {
    column: 'exclude_upn_patterns',
    flag: 'exclude-upn',
    label: 'excluded UPN patterns',
    kind: 'list',
    arg: '[glob...]',
    help: "UPN globs never proposed, e.g. 'admin-*@contoso.com' (case-insensitive)",
  },
  excludeGroupIds: {
    column: 'exclude_group_ids',
    flag: 'exclude-group',
    label: 'excluded groups',
    kind: 'list',
    arg: '[idOrName...]',
    help: 'groups (object id or display name) whose licence holders are never proposed',
  },
  excludeSkuPartNumbers: {
    column: 'exclude_sku_part_numbers',
    flag: 'exclude-sku',
    label: 'excluded SKUs',
    kind: 'list',
    arg: '[part...]',
    help: 'SKU part numbers (e.g. POWER_BI_STANDARD) whose licences are never reclaimed',
  },
  noticeDays: {
    column: 'notice_days',
    flag: 'notice-days',
    label: 'notice days',
    kind: 'days',
    range: [0, 90],
    help: 'days a user is told before a reclamation removes their licences',
    note: '0: at once',
  },
  remindAfterHours: {
    column: 'remind_after_hours',
    flag: 'remind-after-hours',
    label: 'remind after hours',
    kind: 'hours',
    range: [0, 720],
    help: 'hours a request waits before the approvers are reminded',
    note: '0: never',
  },
  escalateAfterHours: {
    column: 'escalate_after_hours',
    flag: 'escalate-after-hours',
    label: 'escalate after hours',
    kind: 'hours',
    range: [0, 720],
    help: 'hours after the reminder before the escalation group is told',
    note: '0: never',
  },
} as const satisfies Record<SettingKey, SettingSpec>;

export const SETTING_KEYS = Object.keys(SETTINGS_SCHEMA) as SettingKey[];

/** The settings that are a number of days or hours, with their range. */
export type NumericSettingKey = { [K in SettingKey]: (typeof SETTINGS_SCHEMA)[K] extends { range: readonly [number, number] } ? K : never }[SettingKey];
export const NUMERIC_SETTING_KEYS = SETTING_KEYS.filter((k): k is NumericSettingKey => 'range' in SETTINGS_SCHEMA[k]);

/** A setting's help line in the CLI: the text, then its range and what a special value means. */
export function settingHelp(key: SettingKey): string {
  const s: SettingSpec = SETTINGS_SCHEMA[key];
  return s.range ? `${s.help} (${s.range[0]}-${s.range[1]}${s.note ? `; ${s.note}` : ''})` : s.help;
}
