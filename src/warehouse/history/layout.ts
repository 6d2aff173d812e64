// The history's on-disk contract (docs/warehouse.md, "History layout"): immutable Parquet (ZSTD) files in a Hive
// layout that any engine reads, `<root>/<table>/tenant_id=<T>/snapshot_date=<D>/part-<generation>.parquet`.
// A (tenant, day) that is loaded again gets a new generation; which generation counts is recorded in the
// warehouse's `history_partitions` table, so a reader of an older published file keeps reading the files it knew.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sqlString } from '../db/sql';

/**
 * The history lives beside the working database's directory: with the defaults `<M365_DATA_DIR>/work/m365.duckdb`
 * gives `<M365_DATA_DIR>/history`.
 */
export const historyRootFor = (workDbPath: string): string => path.join(path.dirname(path.dirname(path.resolve(workDbPath))), 'history');

/** Roster tables are stored as changes (upserts and tombstones); report tables as sent, one file per day. */
export type HistoryKind = 'changes' | 'daily';

export interface HistoryTable {
  name: string;
  kind: HistoryKind;
  /** Parquet columns (the Hive keys tenant_id and snapshot_date are not stored in the files). */
  columns: readonly (readonly [string, string])[];
  /** Key columns of a roster table (changes are per key). */
  key?: readonly string[];
}

const USER_COLUMNS = [
  ['user_principal_name', 'VARCHAR'],
  ['display_name', 'VARCHAR'],
  ['mail', 'VARCHAR'],
  ['account_enabled', 'BOOLEAN'],
  ['user_type', 'VARCHAR'],
  ['created_at', 'TIMESTAMPTZ'],
  ['department', 'VARCHAR'],
  ['job_title', 'VARCHAR'],
  ['usage_location', 'VARCHAR'],
] as const;
// Sign-in times (AuditLog.Read.All and Entra ID P1-P2) are their own roster table, not user columns: they move daily for
// most users, and in `users` they made nearly every user a change every day (version 10 split them out; partitions
// of `users` written before it still carry these columns, which readers ignore).
const SIGN_IN_COLUMNS = [
  ['last_sign_in_at', 'TIMESTAMPTZ'],
  ['last_non_interactive_sign_in_at', 'TIMESTAMPTZ'],
  ['last_successful_sign_in_at', 'TIMESTAMPTZ'],
] as const;
const ASSIGNMENT_COLUMNS = [
  ['state', 'VARCHAR'],
  ['error', 'VARCHAR'],
  ['disabled_plans', 'VARCHAR[]'],
  ['last_updated_at', 'TIMESTAMPTZ'],
] as const;
const SKU_COLUMNS = [
  ['sku_part_number', 'VARCHAR'],
  ['product_name', 'VARCHAR'],
  ['applies_to', 'VARCHAR'],
  ['capability_status', 'VARCHAR'],
  ['prepaid_enabled', 'INTEGER'],
  ['prepaid_suspended', 'INTEGER'],
  ['prepaid_warning', 'INTEGER'],
  ['prepaid_locked_out', 'INTEGER'],
  ['consumed_units', 'INTEGER'],
  ['account_name', 'VARCHAR'],
  ['subscription_ids', 'VARCHAR[]'],
  ['service_plans', 'JSON'],
] as const;

// Frozen like a migration: the report columns as the tables of migration 1 had them (src/warehouse/staging/reports.ts).
const ACTIVE_COLUMNS = [
  ['report_refresh_date', 'DATE'],
  ['user_principal_name', 'VARCHAR'],
  ['display_name', 'VARCHAR'],
  ['is_deleted', 'BOOLEAN'],
  ['deleted_date', 'DATE'],
  ...['exchange', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'].flatMap((s) => [[`${s}_has_license`, 'BOOLEAN']] as const),
  ...['exchange', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'].flatMap((s) => [[`${s}_last_activity_date`, 'DATE']] as const),
  ...['exchange', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'].flatMap((s) => [[`${s}_license_assign_date`, 'DATE']] as const),
  ['assigned_products', 'VARCHAR'],
] as const;
const EMAIL_COLUMNS = [
  ['report_refresh_date', 'DATE'],
  ['user_principal_name', 'VARCHAR'],
  ['display_name', 'VARCHAR'],
  ['is_deleted', 'BOOLEAN'],
  ['deleted_date', 'DATE'],
  ['last_activity_date', 'DATE'],
  ['send_count', 'BIGINT'],
  ['receive_count', 'BIGINT'],
  ['read_count', 'BIGINT'],
  ['meeting_created_count', 'BIGINT'],
  ['meeting_interacted_count', 'BIGINT'],
  ['assigned_products', 'VARCHAR'],
  ['report_period', 'VARCHAR'],
] as const;
const SUSPICIOUS_COLUMNS = [
  ['report', 'VARCHAR'],
  ['user_principal_name', 'VARCHAR'],
  ['display_name', 'VARCHAR'],
  ['reason', 'VARCHAR'],
  ['last_activity_date', 'DATE'],
  ['is_deleted', 'BOOLEAN'],
  ['deleted_date', 'DATE'],
  ['report_refresh_date', 'DATE'],
] as const;

const CHANGE = ['change', 'VARCHAR'] as const;

export const HISTORY_TABLES = {
  users: { name: 'users', kind: 'changes', key: ['user_id'], columns: [['user_id', 'VARCHAR'], CHANGE, ...USER_COLUMNS] },
  license_assignments: {
    name: 'license_assignments',
    kind: 'changes',
    key: ['user_id', 'sku_id', 'assigned_by_group'],
    columns: [['user_id', 'VARCHAR'], ['sku_id', 'VARCHAR'], ['assigned_by_group', 'VARCHAR'], CHANGE, ...ASSIGNMENT_COLUMNS],
  },
  skus: { name: 'skus', kind: 'changes', key: ['sku_id'], columns: [['sku_id', 'VARCHAR'], CHANGE, ...SKU_COLUMNS] },
  sign_ins: { name: 'sign_ins', kind: 'changes', key: ['user_id'], columns: [['user_id', 'VARCHAR'], CHANGE, ...SIGN_IN_COLUMNS] },
  office365_active_user_detail: { name: 'office365_active_user_detail', kind: 'daily', columns: [['user_id', 'VARCHAR'], ...ACTIVE_COLUMNS] },
  email_activity_user_detail: { name: 'email_activity_user_detail', kind: 'daily', columns: [['user_id', 'VARCHAR'], ...EMAIL_COLUMNS] },
  suspicious_activity: { name: 'suspicious_activity', kind: 'daily', columns: SUSPICIOUS_COLUMNS },
} as const satisfies Record<string, HistoryTable>;

export type HistoryTableName = keyof typeof HISTORY_TABLES;
export const HISTORY_TABLE_NAMES = Object.keys(HISTORY_TABLES) as HistoryTableName[];
export const ROSTER_TABLES = ['users', 'license_assignments', 'skus', 'sign_ins'] as const satisfies readonly HistoryTableName[];
export type RosterTable = (typeof ROSTER_TABLES)[number];

/** Attribute columns of a table (not its key, not `change`). */
export const attributeColumns = (t: HistoryTableName): string[] => {
  const spec: HistoryTable = HISTORY_TABLES[t];
  return spec.columns.map(([c]) => c).filter((c) => c !== 'change' && !(spec.key ?? []).includes(c));
};
export const columnNames = (t: HistoryTableName): string[] => HISTORY_TABLES[t].columns.map(([c]) => c);

/** Tenant ids are Graph GUIDs or configured names checked by the staging layout; refuse anything else here too. */
export function checkSegment(value: string): string {
  if (!/^[A-Za-z0-9._@-]+$/.test(value) || value === '.' || value === '..') throw new Error(`Unsafe partition value: ${JSON.stringify(value)}`);
  return value;
}

export const tableDir = (root: string, table: string): string => path.join(root, table);
export const tenantDir = (root: string, table: string, tenantId: string): string => path.join(root, table, `tenant_id=${checkSegment(tenantId)}`);
export const partitionDir = (root: string, table: string, tenantId: string, date: string): string => path.join(tenantDir(root, table, tenantId), `snapshot_date=${date}`);
export const partFileName = (generation: string): string => `part-${generation}.parquet`;
export const PART_FILE = /^part-([A-Za-z0-9-]+)\.parquet$/;

/** Where new files are written before they are renamed into their partition (same file system, outside every glob). */
export const scratchDir = (root: string): string => path.join(root, '.incoming');

/**
 * An empty file per table, in a partition no tenant can have, so the views bind before the first load (DuckDB
 * refuses a glob without files). The views never show it: no `history_partitions` row names it.
 */
export const SCHEMA_TENANT = '_';
export const SCHEMA_DATE = '0001-01-01';
export const SCHEMA_GENERATION = 'schema';

/** Time-ordered and unique: a generation names one write of one (table, tenant, day). */
export const newGeneration = (): string => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** The read_parquet expression over every file of a table (visibility is the caller's semi-join). */
export const readAll = (root: string, table: HistoryTableName): string =>
  `read_parquet(${sqlString(path.join(root, table, 'tenant_id=*', 'snapshot_date=*', 'part-*.parquet'))}, hive_partitioning = true,
     hive_types = {'tenant_id': VARCHAR, 'snapshot_date': DATE}, filename = true, union_by_name = true)`;

/**
 * The current partitions of a table: its files semi-joined with `history_partitions` (only generations a load
 * committed), columns in table order after tenant_id and snapshot_date.
 */
export const currentPartitions = (root: string, table: HistoryTableName): string =>
  `(SELECT p.tenant_id, p.snapshot_date, ${columnNames(table)
    .map((c) => `p.${c}`)
    .join(', ')}
    FROM ${readAll(root, table)} p
    SEMI JOIN history_partitions c ON c.table_name = ${sqlString(table)} AND c.superseded_at IS NULL
      AND c.tenant_id = p.tenant_id AND c.snapshot_date = p.snapshot_date AND parse_filename(p.filename) = 'part-' || c.generation || '.parquet')`;
