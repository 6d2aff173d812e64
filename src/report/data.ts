// What the report shows, read from the published warehouse through a read-only connection. Every figure a chart
// draws comes from one of these queries, so the browser test can run the same SQL and compare.
import type { DuckDBConnection, DuckDBValue, Json } from '@duckdb/node-api';
import { scriptJson } from '../cli/output/values';
import { isFreeSku } from './free-skus';
import { sqlString } from '../warehouse/db/sql';

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
  // The first rows of the list, then their names from the latest roster (only these users are looked up).
  inactiveUsers: `SELECT i.user_principal_name, u.display_name, u.department, i.days_inactive, i.last_activity_date, i.sku_part_numbers, i.account_enabled
    FROM (SELECT * FROM inactive_licensed_users WHERE tenant_id = $1 ORDER BY days_inactive DESC NULLS FIRST, user_principal_name LIMIT $2) i
    LEFT JOIN current_users u ON u.tenant_id = i.tenant_id AND u.user_id = i.user_id
    ORDER BY i.days_inactive DESC NULLS FIRST, i.user_principal_name`,
  activity: `SELECT coalesce(sku_part_number, sku_id) AS sku, holders, active_any_30d, active_exchange_30d, active_outlook_30d,
      active_onedrive_30d, active_sharepoint_30d, active_skype_30d, active_yammer_30d, active_teams_30d
    FROM activity_by_license WHERE tenant_id = $1 ORDER BY holders DESC, sku`,
  // Paid SKUs only ($2: the free and viral part numbers, comma-separated): a million free seats would flatten the lines.
  trend: `SELECT snapshot_date, sum(purchased)::INTEGER AS purchased, sum(assigned)::INTEGER AS assigned
    FROM license_utilization_history WHERE tenant_id = $1 AND NOT list_contains(string_split($2, ','), coalesce(sku_part_number, sku_id))
    GROUP BY snapshot_date ORDER BY snapshot_date`,
  // People by name and UPN from the latest roster (current_users: the users view rebuilds every day's roster from the
  // history, seconds at 1M users) when they are still in it, else their id; only the people in the log are looked up.
  reclamations: `WITH log AS (SELECT * FROM reclamations WHERE tenant_id = $1 ORDER BY "at" DESC, workflow_id LIMIT $2),
    names AS (SELECT user_id, any_value(coalesce(display_name, user_principal_name) || ' <' || user_principal_name || '>') AS label
              FROM current_users WHERE tenant_id = $1 AND user_id IN (SELECT user_id FROM log UNION SELECT actor FROM log) GROUP BY user_id)
    SELECT l."at", l.event, coalesce(a.label, l.actor) AS actor, coalesce(u.label, l.user_id) AS "user", l.skus, l.outcome, l.detail
    FROM log l LEFT JOIN names u ON u.user_id = l.user_id LEFT JOIN names a ON a.user_id = l.actor
    ORDER BY l."at" DESC, l.workflow_id`,
  runs: `SELECT run_id, snapshot_date, status, finished_at, licensed_users_count, concealed, stale, message FROM runs
    WHERE tenant_id = $1 ORDER BY started_at DESC NULLS LAST LIMIT 10`,
  snapshot: `SELECT s.snapshot_date, s.concealed, s.stale, s.activity_loaded, s.report_refresh_date,
      las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, st.freshness_days
    FROM snapshots s JOIN latest_snapshot l USING (tenant_id, snapshot_date)
    LEFT JOIN internal.latest_activity_snapshot las ON las.tenant_id = s.tenant_id
    LEFT JOIN tenant_settings st ON st.tenant_id = s.tenant_id
    WHERE s.tenant_id = $1`,
} as const;

/** The money figures, read only when the warehouse has the spend and savings views. Money as exact decimal text. */
export const MONEY_SQL = {
  prices: `SELECT sku_part_number, unit_price_monthly::DOUBLE AS unit_price_monthly FROM license_spend WHERE tenant_id = $1`,
  spendTotals: `SELECT currency, sum(annual_spend)::DECIMAL(18,2)::VARCHAR AS annual_spend,
      (sum(unassigned_annual_cost) + sum(inactive_annual_cost))::DECIMAL(18,2)::VARCHAR AS idle_spend,
      sum(unassigned_annual_cost)::DECIMAL(18,2)::VARCHAR AS unassigned, sum(inactive_annual_cost)::DECIMAL(18,2)::VARCHAR AS inactive
    FROM license_spend WHERE tenant_id = $1 AND currency IS NOT NULL GROUP BY currency ORDER BY sum(annual_spend) DESC, currency`,
  // Per kind, currency and when it can be realised (now, at a renewal date, when a trial ends): what an admin acts on.
  savingsByKind: `SELECT kind, currency, realizable, realizable_on::VARCHAR AS realizable_on, count(*)::INTEGER AS opportunities,
      sum(seats)::INTEGER AS seats, sum(annual_saving)::DECIMAL(18,2)::VARCHAR AS annual_saving
    FROM savings_opportunities WHERE tenant_id = $1 AND currency IS NOT NULL
    GROUP BY kind, currency, realizable, savings_opportunities.realizable_on
    ORDER BY realizable <> 'now', savings_opportunities.realizable_on NULLS FIRST, sum(annual_saving) DESC, kind`,
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
  money: MoneyFigures | null;
  /** Part numbers of the free and viral SKUs the tenant holds (shown apart; free-skus.ts). */
  freeSkus: string[];
}

export interface MoneyFigures {
  totals: Row[];
  savingsByKind: Row[];
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

/** A view's first rows for the tenant, read from `source` (the view itself, or the report's copy of it). */
async function optionalView(conn: DuckDBConnection, name: string, tenantId: string, source = name): Promise<OptionalView | null> {
  const columns = await columnsOf(conn, name);
  if (!columns) return null;
  const where = columns.includes('tenant_id') ? 'WHERE tenant_id = $1' : '';
  const shown = columns.filter((c) => c !== 'tenant_id');
  const sql = `SELECT ${shown.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ')} FROM "${source}" ${where} LIMIT ${LIST_LIMIT}`;
  return { name, columns: shown, rows: await rows(conn, sql, where ? [tenantId] : []) };
}

/** The tenant's rows of a view as a temporary table of this session (read-only files allow those); its name. */
async function tenantCopy(conn: DuckDBConnection, view: string, tenantId: string): Promise<string> {
  const copy = `report_${view}`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${copy} AS SELECT * FROM ${view} WHERE tenant_id = ${sqlString(tenantId)}`);
  return copy;
}

export async function readTenant(conn: DuckDBConnection, tenantId: string): Promise<TenantReport> {
  const q = (sql: string, extra: DuckDBValue[] = []) => rows(conn, sql, [tenantId, ...extra]);
  const spend = await optionalView(conn, 'license_spend', tenantId);
  // Savings is the report's dearest read (every licence of the tenant): one copy of the tenant's rows serves its list
  // and its totals, instead of computing the view twice.
  const savingsSource = (await columnsOf(conn, 'savings_opportunities')) ? await tenantCopy(conn, 'savings_opportunities', tenantId) : null;
  const savings = savingsSource ? await optionalView(conn, 'savings_opportunities', tenantId, savingsSource) : null;
  const prices = new Map((spend ? await q(MONEY_SQL.prices) : []).map((r) => [String(r.sku_part_number), r.unit_price_monthly === null ? null : Number(r.unit_price_monthly)]));
  const utilization = await q(REPORT_SQL.utilization);
  const freeSkus = utilization.map((u) => String(u.sku_part_number ?? '')).filter((part) => part && isFreeSku(part, prices.get(part)));
  return {
    tenantId,
    snapshot: (await q(REPORT_SQL.snapshot))[0] ?? null,
    utilization,
    inactiveBySku: await q(REPORT_SQL.inactiveBySku),
    inactiveTotals: (await q(REPORT_SQL.inactiveTotals))[0] ?? { inactive: 0, never_active: 0, disabled: 0 },
    excludedByRule: await q(REPORT_SQL.excludedByRule),
    inactiveUsers: await q(REPORT_SQL.inactiveUsers, [LIST_LIMIT]),
    activity: await q(REPORT_SQL.activity),
    trend: await q(REPORT_SQL.trend, [freeSkus.join(',')]),
    reclamations: await q(REPORT_SQL.reclamations, [LIST_LIMIT]),
    runs: await q(REPORT_SQL.runs),
    spend,
    savings,
    money:
      spend && savingsSource
        ? { totals: await q(MONEY_SQL.spendTotals), savingsByKind: await q(MONEY_SQL.savingsByKind.replaceAll('savings_opportunities', savingsSource)) }
        : null,
    freeSkus,
  };
}

export async function readReport(conn: DuckDBConnection, tenant?: string): Promise<ReportData> {
  const ids = tenant ? [tenant] : (await rows(conn, 'SELECT DISTINCT tenant_id FROM snapshots ORDER BY tenant_id')).map((r) => String(r.tenant_id));
  const tenants: TenantReport[] = [];
  for (const id of ids) tenants.push(await readTenant(conn, id));
  return { generatedAt: new Date().toISOString(), tenants };
}
