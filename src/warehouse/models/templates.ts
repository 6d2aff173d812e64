// Template functions a model may call as `{{ name('arg', ...) }}`: the SQL fragments other code shares, expanded
// when the models are created (and again for each table model's refresh).
import { groupExcludedSql, skuExcludedSql, upnExcludedSql } from '../rules/exclusion';
import { DEFAULT_SETTINGS } from '../types';
import { currentPartitions, HISTORY_TABLES, type HistoryTableName } from '../history/layout';

const TEMPLATES: Record<string, (root: string, ...args: string[]) => string> = {
  /** The table's current Parquet partitions under the history root. */
  history: (root, table) => {
    if (!table || !(table in HISTORY_TABLES)) throw new Error(`Unknown history table in a model: ${table}`);
    return currentPartitions(root, table as HistoryTableName);
  },
  /** The exclusion rule, shared with the reclamation re-check (rules/exclusion.ts). */
  upn_excluded: (_root, upn, patterns) => upnExcludedSql(upn!, patterns!),
  group_excluded: (_root, groups, excluded) => groupExcludedSql(groups!, excluded!),
  sku_excluded: (_root, held, excluded) => skuExcludedSql(held!, excluded!),
  /** A default of the settings (types.ts DEFAULT_SETTINGS), e.g. `{{ default_setting('inactivityDays') }}`. */
  default_setting: (_root, name) => {
    const v = (DEFAULT_SETTINGS as unknown as Record<string, unknown>)[name!];
    if (typeof v !== 'number') throw new Error(`Unknown numeric default setting in a model: ${name}`);
    return String(v);
  },
};

/** Expands the `{{ fn('arg', ...) }}` templates of a model's SQL. */
export function expand(sql: string, historyRoot: string): string {
  return sql.replace(/\{\{\s*([a-z_]+)\(([^)]*)\)\s*\}\}/g, (_all, fn: string, rawArgs: string) => {
    const template = TEMPLATES[fn];
    if (!template) throw new Error(`Unknown template in a model: ${fn}`);
    const args = [...rawArgs.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
    return template(historyRoot, ...args);
  });
}
