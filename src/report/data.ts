// What the report shows, read from the published warehouse through a read-only connection. Every figure a chart
// draws comes from one of these queries, so the browser test can run the same SQL and compare.
import type { DuckDBConnection, DuckDBValue, Json } from '@duckdb/node-api';
import { scriptJson } from '../cli/output/values';

export type Row = Record<string, Json | null>;

export async function rows(conn: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
  return (await conn.runAndReadAll(sql, params)).convertRowObjects<Json>(scriptJson);
}

/** The SQL behind each chart, by tenant ($1). Exported for the browser test. */
export const REPORT_SQL = {
  utilization: `SELECT sku_part_number, coalesce(product_name, sku_part_number) AS product_name, purchased, assigned, available, utilization
    FROM license_utilization WHERE tenant_id = $1 ORDER BY assigned DESC, sku_part_number`,
  inactiveBySku: `SELECT sku, count(*)::INTEGER AS inactive, count(*) FILTER (WHERE days_inactive IS NULL)::INTEGER AS never_active
    FROM (SELECT unnest(sku_part_numbers) AS sku, days_inactive FROM inactive_licensed_users WHERE tenant_id = $1)
    GROUP BY sku ORDER BY inactive DESC, sku`,
  inactiveTotals: `SELECT count(*)::INTEGER AS inactive, count(*) FILTER (WHERE days_inactive IS NULL)::INTEGER AS never_active,
      count(*) FILTER (WHERE NOT account_enabled)::INTEGER AS disabled
    FROM inactive_licensed_users WHERE tenant_id = $1`,
  excludedByRule: `SELECT excluded_by, count(*)::INTEGER AS users FROM inactive_licensed_users_excluded WHERE tenant_id = $1
    GROUP BY excluded_by ORDER BY excluded_by`,
  inactiveUsers: `SELECT user_principal_name, days_inactive, last_activity_date, sku_part_numbers, account_enabled
    FROM inactive_licensed_users WHERE tenant_id = $1 ORDER BY days_inactive DESC NULLS FIRST, user_principal_name LIMIT $2`,
  activity: `SELECT coalesce(sku_part_number, sku_id) AS sku, holders, active_any_30d, active_exchange_30d, active_outlook_30d,
      active_onedrive_30d, active_sharepoint_30d, active_skype_30d, active_yammer_30d, active_teams_30d
    FROM activity_by_license WHERE tenant_id = $1 ORDER BY holders DESC, sku`,
  trend: `SELECT snapshot_date, sum(purchased)::INTEGER AS purchased, sum(assigned)::INTEGER AS assigned
    FROM license_utilization_history WHERE tenant_id = $1 GROUP BY snapshot_date ORDER BY snapshot_date`,
  // The user's UPN from the latest roster when they are still in it, else their id.
  reclamations: `SELECT r."at", r.event, r.actor, coalesce(u.user_principal_name, r.user_id) AS "user", r.skus, r.outcome, r.detail
    FROM reclamations r
    LEFT JOIN (SELECT user_id, any_value(user_principal_name) AS user_principal_name FROM users JOIN latest_snapshot USING (tenant_id, snapshot_date)
               WHERE tenant_id = $1 GROUP BY user_id) u ON u.user_id = r.user_id
    WHERE r.tenant_id = $1 ORDER BY r."at" DESC, r.workflow_id LIMIT $2`,
  runs: `SELECT run_id, snapshot_date, status, finished_at, licensed_users_count, concealed, stale, message FROM runs
    WHERE tenant_id = $1 ORDER BY started_at DESC NULLS LAST LIMIT 10`,
  snapshot: `SELECT s.snapshot_date, s.concealed, s.stale, s.activity_loaded, s.report_refresh_date,
      las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, st.freshness_days
    FROM snapshots s JOIN latest_snapshot l USING (tenant_id, snapshot_date)
    LEFT JOIN latest_activity_snapshot las ON las.tenant_id = s.tenant_id
    LEFT JOIN tenant_settings st ON st.tenant_id = s.tenant_id
    WHERE s.tenant_id = $1`,
} as const;

export const SERVICES = ['exchange', 'outlook', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'] as const;

/** Rows listed in full in the report; beyond this the report says how many more and points at `candidates`. */
export const LIST_LIMIT = 200;

export interface OptionalView {
  name: string;
  columns: string[];
  rows: Row[];
}

export interface TenantReport {
  tenantId: string;
  snapshot: Row | null;
  utilization: Row[];
  inactiveBySku: Row[];
  inactiveTotals: Row;
  excludedByRule: Row[];
  inactiveUsers: Row[];
  activity: Row[];
  trend: Row[];
  reclamations: Row[];
  runs: Row[];
  /** Present only when the spend and savings views exist in this warehouse. */
  spend: OptionalView | null;
  savings: OptionalView | null;
}

export interface ReportData {
  generatedAt: string;
  tenants: TenantReport[];
}

/** Columns of a table or view, or null when the warehouse has no such relation (an older schema). */
async function columnsOf(conn: DuckDBConnection, name: string): Promise<string[] | null> {
  const r = await rows(conn, `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [name]);
  return r.length === 0 ? null : r.map((c) => String(c.column_name));
}

async function optionalView(conn: DuckDBConnection, name: string, tenantId: string): Promise<OptionalView | null> {
  const columns = await columnsOf(conn, name);
  if (!columns) return null;
  const where = columns.includes('tenant_id') ? 'WHERE tenant_id = $1' : '';
  const shown = columns.filter((c) => c !== 'tenant_id');
  const sql = `SELECT ${shown.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ')} FROM "${name}" ${where} LIMIT ${LIST_LIMIT}`;
  return { name, columns: shown, rows: await rows(conn, sql, where ? [tenantId] : []) };
}

export async function readTenant(conn: DuckDBConnection, tenantId: string): Promise<TenantReport> {
  const q = (sql: string, extra: DuckDBValue[] = []) => rows(conn, sql, [tenantId, ...extra]);
  return {
    tenantId,
    snapshot: (await q(REPORT_SQL.snapshot))[0] ?? null,
    utilization: await q(REPORT_SQL.utilization),
    inactiveBySku: await q(REPORT_SQL.inactiveBySku),
    inactiveTotals: (await q(REPORT_SQL.inactiveTotals))[0] ?? { inactive: 0, never_active: 0, disabled: 0 },
    excludedByRule: await q(REPORT_SQL.excludedByRule),
    inactiveUsers: await q(REPORT_SQL.inactiveUsers, [LIST_LIMIT]),
    activity: await q(REPORT_SQL.activity),
    trend: await q(REPORT_SQL.trend),
    reclamations: await q(REPORT_SQL.reclamations, [LIST_LIMIT]),
    runs: await q(REPORT_SQL.runs),
    spend: await optionalView(conn, 'license_spend', tenantId),
    savings: await optionalView(conn, 'savings_opportunities', tenantId),
  };
}

export async function readReport(conn: DuckDBConnection, tenant?: string): Promise<ReportData> {
  const ids = tenant
    ? [tenant]
    : (await rows(conn, 'SELECT DISTINCT tenant_id FROM snapshots ORDER BY tenant_id')).map((r) => String(r.tenant_id));
  const tenants: TenantReport[] = [];
  for (const id of ids) tenants.push(await readTenant(conn, id));
  return { generatedAt: new Date().toISOString(), tenants };
}
