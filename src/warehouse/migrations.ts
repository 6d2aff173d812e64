// Versioned schema of the warehouse: each migration runs once, in its own transaction, recorded in
// `schema_migrations`. To change a table or view, append a migration; never edit an applied one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ACTIVE_SERVICES, REPORTS } from '../shared/staging-contract';
import { groupExcludedSql, upnExcludedSql } from './exclusion';
import { SETTINGS_CLI_MIGRATION } from './migration-settings';
import { SIGN_IN } from './sign-in-schema';
import { SPEND } from './spend-schema';
import { sqlString } from './sql';
import { prepareHistory } from './history/prepare';
import { DEFAULT_SETTINGS } from './types';

/** Microsoft's licensing reference, copied into data/ (see data/README.md). */
export const LICENSING_REFERENCE_CSV = fileURLToPath(new URL('../../data/ms-licensing-reference.csv', import.meta.url));

interface Migration {
  version: number;
  name: string;
  sql: () => string;
}

// The report tables' columns come from REPORTS (src/shared/staging-contract.ts) as they were when this migration was
// written; adding a report column later needs a new migration (ALTER TABLE ... ADD COLUMN), not an edit here.
const TABLES = (): string => {
  const cols = (i: number) => REPORTS[i]!.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  const activeColumns = cols(0);
  const emailColumns = cols(1);
  return `
CREATE TABLE runs (
  run_id VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL, snapshot_date DATE,
  started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
  status VARCHAR NOT NULL, -- succeeded | degraded | failed | publish_failed
  users_count INTEGER, licensed_users_count INTEGER, skus_count INTEGER, assignments_count INTEGER,
  activity_rows INTEGER, suspicious_rows INTEGER,
  report_refresh_date DATE, concealed BOOLEAN, concealed_ratio DOUBLE, stale BOOLEAN,
  message VARCHAR
);
-- One row per loaded (tenant, snapshot_date): which run produced it and whether its activity can be trusted.
CREATE TABLE snapshots (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, run_id VARCHAR NOT NULL, loaded_at TIMESTAMPTZ NOT NULL,
  activity_loaded BOOLEAN NOT NULL, concealed BOOLEAN NOT NULL, stale BOOLEAN NOT NULL, report_refresh_date DATE
);
CREATE TABLE users (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL,
  user_principal_name VARCHAR, display_name VARCHAR, mail VARCHAR, account_enabled BOOLEAN, user_type VARCHAR,
  created_at TIMESTAMPTZ, department VARCHAR, job_title VARCHAR, usage_location VARCHAR
);
CREATE TABLE skus (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, sku_id VARCHAR NOT NULL,
  sku_part_number VARCHAR, product_name VARCHAR, applies_to VARCHAR, capability_status VARCHAR,
  prepaid_enabled INTEGER, prepaid_suspended INTEGER, prepaid_warning INTEGER, prepaid_locked_out INTEGER,
  consumed_units INTEGER, account_name VARCHAR, subscription_ids VARCHAR[], service_plans JSON
);
CREATE TABLE license_assignments (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL, sku_id VARCHAR NOT NULL,
  assigned_by_group VARCHAR, -- NULL = direct assignment
  state VARCHAR, error VARCHAR, disabled_plans VARCHAR[], last_updated_at TIMESTAMPTZ
);
-- The two usage reports as typed rows (one per report row, as Microsoft sent it), user_id set when the UPN
-- matched the roster (case-insensitive). No rows for a concealed snapshot. service_activity is a view over these.
CREATE TABLE office365_active_user_detail (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR,
  ${activeColumns}
);
CREATE TABLE email_activity_user_detail (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR,
  ${emailColumns}
);
CREATE TABLE suspicious_activity (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL,
  report VARCHAR NOT NULL, -- getOffice365ActiveUserDetail | getEmailActivityUserDetail
  user_principal_name VARCHAR, display_name VARCHAR,
  reason VARCHAR NOT NULL, -- concealed | unknown_user | deleted_user
  last_activity_date DATE, is_deleted BOOLEAN, deleted_date DATE, report_refresh_date DATE
);
CREATE TABLE reclamations (
  workflow_id VARCHAR NOT NULL, tenant_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
  event VARCHAR NOT NULL, actor VARCHAR, "at" TIMESTAMPTZ NOT NULL, reason VARCHAR, skus VARCHAR[],
  outcome VARCHAR, detail VARCHAR, disabled_plans JSON
);
CREATE TABLE settings (
  tenant_id VARCHAR PRIMARY KEY,
  inactivity_days INTEGER, grace_days INTEGER, freshness_days INTEGER,
  exclude_upn_patterns VARCHAR[], exclude_group_ids VARCHAR[], updated_at TIMESTAMPTZ
);
`;
};

const reference = (): string => {
  if (!existsSync(LICENSING_REFERENCE_CSV)) throw new Error(`Licensing reference not found at ${LICENSING_REFERENCE_CSV}`);
  const csv = `read_csv(${sqlString(LICENSING_REFERENCE_CSV)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'Product_Display_Name': 'VARCHAR', 'String_Id': 'VARCHAR', 'GUID': 'VARCHAR', 'Service_Plan_Name': 'VARCHAR',
               'Service_Plan_Id': 'VARCHAR', 'Service_Plans_Included_Friendly_Names': 'VARCHAR'})`;
  return `
CREATE TABLE sku_reference AS
  SELECT lower(trim(GUID)) AS sku_id, any_value(trim(String_Id)) AS sku_part_number, any_value(trim(Product_Display_Name)) AS product_name
  FROM ${csv} WHERE GUID IS NOT NULL GROUP BY ALL;
CREATE TABLE service_plan_reference AS
  SELECT DISTINCT lower(trim(GUID)) AS sku_id, lower(trim(Service_Plan_Id)) AS service_plan_id,
         trim(Service_Plan_Name) AS service_plan_name, trim(Service_Plans_Included_Friendly_Names) AS service_plan_friendly_name
  FROM ${csv} WHERE GUID IS NOT NULL;
-- Suites whose holders are worth a cheaper licence when they only use mail (rightsizing_candidates).
CREATE TABLE premium_skus (sku_part_number VARCHAR PRIMARY KEY, suggestion VARCHAR);
INSERT INTO premium_skus VALUES
  ('SPE_E3', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('SPE_E5', 'Exchange Online (Plan 1) or Microsoft 365 F3'),
  ('SPE_E5_NOPSTNCONF', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('ENTERPRISEPACK', 'Exchange Online (Plan 1)'),
  ('ENTERPRISEPREMIUM', 'Exchange Online (Plan 1)'), ('ENTERPRISEPREMIUM_NOPSTNCONF', 'Exchange Online (Plan 1)'),
  ('ENTERPRISEWITHSCAL', 'Exchange Online (Plan 1)'), ('Microsoft_365_E3', 'Exchange Online (Plan 1) or Microsoft 365 F3'),
  ('Microsoft_365_E5', 'Exchange Online (Plan 1) or Microsoft 365 F3'), ('O365_w/o_Teams_Bundle_M3', 'Exchange Online (Plan 1)'),
  ('O365_w/o_Teams_Bundle_M5', 'Exchange Online (Plan 1)'), ('Office_365_E3_(no_Teams)', 'Exchange Online (Plan 1)'),
  ('Office_365_E5_(no_Teams)', 'Exchange Online (Plan 1)'), ('SPB', 'Exchange Online (Plan 1) or Microsoft 365 Business Basic'),
  ('O365_BUSINESS_PREMIUM', 'Microsoft 365 Business Basic');
`;
};

// Defaults come from DEFAULT_SETTINGS, interpolated when the migration runs (the SQL text is what it always was).
const tenantSettingsView = (): string => `-- Effective thresholds per tenant (defaults when no settings row).
CREATE VIEW tenant_settings AS
  SELECT t.tenant_id,
         coalesce(s.inactivity_days, ${DEFAULT_SETTINGS.inactivityDays}) AS inactivity_days, coalesce(s.grace_days, ${DEFAULT_SETTINGS.graceDays}) AS grace_days,
         coalesce(s.freshness_days, ${DEFAULT_SETTINGS.freshnessDays}) AS freshness_days,
         coalesce(s.exclude_upn_patterns, []::VARCHAR[]) AS exclude_upn_patterns,
         coalesce(s.exclude_group_ids, []::VARCHAR[]) AS exclude_group_ids
  FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM settings) t
  LEFT JOIN settings s USING (tenant_id);
`;

// inactive_licensed_evaluation takes its exclusion rules from exclusion.ts, which the reclamation re-check also
// applies; the fragments interpolate to the SQL this migration always had.
const VIEWS = (): string => `
-- One row per user and service (the design's contract), unpivoted from the two typed report tables.
CREATE VIEW service_activity AS
  SELECT tenant_id, snapshot_date, user_id, user_principal_name, x.service, x.has_license, x.last_activity_date,
         x.license_assign_date, report_refresh_date
  FROM (SELECT *, unnest([${ACTIVE_SERVICES.map(([sv]) => `{'service': '${sv}', 'has_license': ${sv}_has_license, 'last_activity_date': ${sv}_last_activity_date, 'license_assign_date': ${sv}_license_assign_date}`).join(',\n    ')}]) AS x
        FROM office365_active_user_detail WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false))
  UNION ALL
  SELECT tenant_id, snapshot_date, user_id, user_principal_name, 'outlook', NULL::BOOLEAN, last_activity_date, NULL::DATE, report_refresh_date
  FROM email_activity_user_detail WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false);
-- Latest roster/licence snapshot per tenant.
CREATE VIEW latest_snapshot AS
  SELECT tenant_id, max(snapshot_date) AS snapshot_date FROM snapshots GROUP BY tenant_id;
-- Latest snapshot whose activity could be trusted (not concealed); a concealed day keeps the previous one.
CREATE VIEW latest_activity_snapshot AS
  SELECT s.tenant_id, s.snapshot_date, s.report_refresh_date, coalesce(s.report_refresh_date, s.snapshot_date) AS as_of, s.stale
  FROM snapshots s
  JOIN (SELECT tenant_id, max(snapshot_date) AS snapshot_date FROM snapshots WHERE activity_loaded GROUP BY tenant_id) m
    USING (tenant_id, snapshot_date);
${tenantSettingsView()}CREATE VIEW license_utilization AS
  SELECT k.tenant_id, k.sku_id, k.sku_part_number, k.product_name, k.capability_status,
         k.prepaid_enabled AS purchased, k.consumed_units AS assigned, k.prepaid_enabled - k.consumed_units AS available,
         CASE WHEN k.prepaid_enabled > 0 THEN round(k.consumed_units / k.prepaid_enabled, 4) END AS utilization,
         k.prepaid_warning, k.prepaid_suspended, k.prepaid_locked_out, k.snapshot_date
  FROM skus k JOIN latest_snapshot l USING (tenant_id, snapshot_date);
CREATE VIEW user_last_activity AS
  WITH a AS (
    SELECT tenant_id, user_id, ${ACTIVE_SERVICES.map(([sv]) => `max(${sv}_last_activity_date) AS ${sv}_last_activity_date`).join(', ')},
           max(greatest(${ACTIVE_SERVICES.map(([sv]) => `${sv}_license_assign_date`).join(', ')})) AS last_license_assign_date
    FROM office365_active_user_detail JOIN latest_activity_snapshot USING (tenant_id, snapshot_date)
    WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
  e AS (
    SELECT tenant_id, user_id, max(last_activity_date) AS outlook_last_activity_date
    FROM email_activity_user_detail JOIN latest_activity_snapshot USING (tenant_id, snapshot_date)
    WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
  a2 AS (
    SELECT coalesce(a.tenant_id, e.tenant_id) AS tenant_id, coalesce(a.user_id, e.user_id) AS user_id, a.*, e.outlook_last_activity_date,
           greatest(e.outlook_last_activity_date, ${ACTIVE_SERVICES.map(([sv]) => `a.${sv}_last_activity_date`).join(', ')}) AS last_activity_date
    FROM a FULL JOIN e ON a.tenant_id = e.tenant_id AND a.user_id = e.user_id)
  SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.account_enabled, u.user_type,
         a.last_activity_date, (las.as_of - a.last_activity_date)::INTEGER AS days_inactive,
         a.exchange_last_activity_date, a.outlook_last_activity_date, a.onedrive_last_activity_date,
         a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date,
         a.last_license_assign_date, u.created_at, u.snapshot_date,
         las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, las.stale AS activity_stale
  FROM users u JOIN latest_snapshot l USING (tenant_id, snapshot_date)
  LEFT JOIN latest_activity_snapshot las ON las.tenant_id = u.tenant_id
  LEFT JOIN a2 a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id;
-- Every licensed user of the latest snapshot with the verdict of each rule; the two views below filter it.
-- Without any trusted activity snapshot nobody is evaluated (everyone would look never active).
CREATE VIEW inactive_licensed_evaluation AS
  WITH lic AS (
    SELECT la.tenant_id, la.user_id,
           list(DISTINCT coalesce(k.sku_part_number, la.sku_id) ORDER BY coalesce(k.sku_part_number, la.sku_id)) AS sku_part_numbers,
           list(DISTINCT la.sku_id ORDER BY la.sku_id) AS sku_ids,
           coalesce(list(DISTINCT la.assigned_by_group) FILTER (WHERE la.assigned_by_group IS NOT NULL), []) AS groups,
           bool_or(la.assigned_by_group IS NULL) AS has_direct,
           max(la.last_updated_at) AS last_assignment_change,
           any_value(la.snapshot_date) AS snapshot_date
    FROM license_assignments la JOIN latest_snapshot l USING (tenant_id, snapshot_date)
    LEFT JOIN skus k ON k.tenant_id = la.tenant_id AND k.snapshot_date = la.snapshot_date AND k.sku_id = la.sku_id
    GROUP BY la.tenant_id, la.user_id),
  e AS (
    SELECT u.tenant_id, u.user_id, u.user_principal_name, u.account_enabled, u.days_inactive, u.last_activity_date,
           lic.sku_part_numbers, lic.sku_ids, lic.has_direct, st.inactivity_days, st.grace_days,
           greatest(u.created_at::DATE, lic.last_assignment_change::DATE, u.last_license_assign_date) AS newest_assignment_date,
           lic.snapshot_date, u.activity_as_of,
           (u.days_inactive IS NULL OR u.days_inactive >= st.inactivity_days) AS is_inactive,
           ${upnExcludedSql('u.user_principal_name', 'st.exclude_upn_patterns')} AS excluded_by_pattern,
           ${groupExcludedSql('lic.groups', 'st.exclude_group_ids')} AS excluded_by_group
    FROM user_last_activity u JOIN lic USING (tenant_id, user_id) JOIN tenant_settings st USING (tenant_id)
    WHERE u.activity_snapshot_date IS NOT NULL)
  SELECT *,
         CASE WHEN excluded_by_pattern THEN 'upn_pattern'
              WHEN excluded_by_group THEN 'group'
              WHEN snapshot_date - newest_assignment_date < grace_days THEN 'grace' END AS excluded_by
  FROM e;
CREATE VIEW inactive_licensed_users AS
  SELECT tenant_id, user_id, user_principal_name, account_enabled, days_inactive, sku_part_numbers,
         last_activity_date, sku_ids, has_direct, activity_as_of
  FROM inactive_licensed_evaluation WHERE is_inactive AND excluded_by IS NULL;
-- Inactive licensed users that a rule kept off the candidate list, and which rule.
CREATE VIEW inactive_licensed_users_excluded AS
  SELECT tenant_id, user_id, user_principal_name, account_enabled, days_inactive, sku_part_numbers, excluded_by,
         newest_assignment_date, grace_days
  FROM inactive_licensed_evaluation WHERE is_inactive AND excluded_by IS NOT NULL;
CREATE VIEW activity_by_license AS
  SELECT la.tenant_id, la.sku_id, any_value(k.sku_part_number) AS sku_part_number, any_value(k.product_name) AS product_name,
         count(DISTINCT la.user_id)::INTEGER AS holders,
         count(DISTINCT la.user_id) FILTER (WHERE u.last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_any_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.exchange_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_exchange_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.outlook_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_outlook_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.onedrive_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_onedrive_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.sharepoint_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_sharepoint_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.skype_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_skype_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.yammer_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_yammer_30d,
         count(DISTINCT la.user_id) FILTER (WHERE u.teams_last_activity_date >= u.activity_as_of - 30)::INTEGER AS active_teams_30d
  FROM license_assignments la JOIN latest_snapshot l USING (tenant_id, snapshot_date)
  LEFT JOIN skus k ON k.tenant_id = la.tenant_id AND k.snapshot_date = la.snapshot_date AND k.sku_id = la.sku_id
  LEFT JOIN user_last_activity u ON u.tenant_id = la.tenant_id AND u.user_id = la.user_id
  GROUP BY la.tenant_id, la.sku_id;
CREATE VIEW rightsizing_candidates AS
  SELECT u.tenant_id, u.user_id, u.user_principal_name,
         list(DISTINCT k.sku_part_number ORDER BY k.sku_part_number) AS premium_sku_part_numbers,
         greatest(u.exchange_last_activity_date, u.outlook_last_activity_date) AS last_mail_activity_date,
         any_value(p.suggestion) AS suggestion
  FROM license_assignments la JOIN latest_snapshot l USING (tenant_id, snapshot_date)
  JOIN skus k ON k.tenant_id = la.tenant_id AND k.snapshot_date = la.snapshot_date AND k.sku_id = la.sku_id
  JOIN premium_skus p ON p.sku_part_number = k.sku_part_number
  JOIN user_last_activity u ON u.tenant_id = la.tenant_id AND u.user_id = la.user_id
  WHERE greatest(u.exchange_last_activity_date, u.outlook_last_activity_date) >= u.activity_as_of - 90
    AND coalesce(greatest(u.onedrive_last_activity_date, u.sharepoint_last_activity_date, u.skype_last_activity_date,
                          u.yammer_last_activity_date, u.teams_last_activity_date) < u.activity_as_of - 90, true)
  GROUP BY ALL;
-- History views: every snapshot, not only the latest.
CREATE VIEW license_utilization_history AS
  SELECT tenant_id, snapshot_date, sku_id, sku_part_number, product_name, prepaid_enabled AS purchased,
         consumed_units AS assigned, prepaid_enabled - consumed_units AS available,
         CASE WHEN prepaid_enabled > 0 THEN round(consumed_units / prepaid_enabled, 4) END AS utilization
  FROM skus;
`;

// Who decided, as the sign-in proved it: `actor` is the object id, `actor_upn` the UPN from the ID token, `identity`
// says whether it was verified (or the lab's `unverified` mode), `run_id` pins the workflow run.
const RECLAMATION_IDENTITY = (): string => `
ALTER TABLE reclamations ADD COLUMN actor_upn VARCHAR;
ALTER TABLE reclamations ADD COLUMN identity VARCHAR;
ALTER TABLE reclamations ADD COLUMN run_id VARCHAR;
`;

// History moves to immutable Parquet partitions (src/warehouse/history); the database keeps the current state
// and the small tables. The tables that held every snapshot keep their rows under legacy_* names: the writer moves
// them into partitions on open (history/legacy.ts), then drops them. Views are models since this version.
const HISTORY_PARTITIONS = (): string => `
ALTER TABLE users RENAME TO legacy_users;
ALTER TABLE skus RENAME TO legacy_skus;
ALTER TABLE license_assignments RENAME TO legacy_license_assignments;
ALTER TABLE office365_active_user_detail RENAME TO legacy_office365_active_user_detail;
ALTER TABLE email_activity_user_detail RENAME TO legacy_email_activity_user_detail;
ALTER TABLE suspicious_activity RENAME TO legacy_suspicious_activity;
-- The roster of each tenant's latest snapshot.
CREATE TABLE current_users (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL,
  user_principal_name VARCHAR, display_name VARCHAR, mail VARCHAR, account_enabled BOOLEAN, user_type VARCHAR,
  created_at TIMESTAMPTZ, department VARCHAR, job_title VARCHAR, usage_location VARCHAR,
  last_sign_in_at TIMESTAMPTZ, last_non_interactive_sign_in_at TIMESTAMPTZ, last_successful_sign_in_at TIMESTAMPTZ
);
CREATE TABLE current_skus (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, sku_id VARCHAR NOT NULL,
  sku_part_number VARCHAR, product_name VARCHAR, applies_to VARCHAR, capability_status VARCHAR,
  prepaid_enabled INTEGER, prepaid_suspended INTEGER, prepaid_warning INTEGER, prepaid_locked_out INTEGER,
  consumed_units INTEGER, account_name VARCHAR, subscription_ids VARCHAR[], service_plans JSON
);
CREATE TABLE current_license_assignments (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL, sku_id VARCHAR NOT NULL,
  assigned_by_group VARCHAR, state VARCHAR, error VARCHAR, disabled_plans VARCHAR[], last_updated_at TIMESTAMPTZ
);
-- Per user, the last activity per service (and newest licence assign date) from the reports of each tenant's
-- latest snapshot with trusted (not concealed) activity: what user_last_activity needs, a row per user.
CREATE TABLE current_user_activity (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL,
  exchange_last_activity_date DATE, onedrive_last_activity_date DATE, sharepoint_last_activity_date DATE,
  skype_last_activity_date DATE, yammer_last_activity_date DATE, teams_last_activity_date DATE,
  outlook_last_activity_date DATE, last_license_assign_date DATE
);
-- Which Parquet file (generation) of each (table, tenant, day) counts; superseded rows stay until the files go.
CREATE TABLE history_partitions (
  tenant_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, snapshot_date DATE NOT NULL, generation VARCHAR NOT NULL,
  row_count BIGINT NOT NULL, bytes BIGINT NOT NULL,
  base BOOLEAN NOT NULL, -- the whole roster, not only that day's changes
  written_at TIMESTAMPTZ NOT NULL, superseded_at TIMESTAMPTZ
);
-- The models (src/warehouse/models/*.sql) as last created, and the hash that decides when tables are recomputed.
CREATE TABLE warehouse_models (name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, description VARCHAR NOT NULL, sql_hash VARCHAR NOT NULL);
-- Where the views read from ('history': the absolute history directory): readers allow exactly that directory.
CREATE TABLE warehouse_paths (name VARCHAR PRIMARY KEY, path VARCHAR NOT NULL);
`;

// Version 9: the marts (table models) are recomputed at publish, not inside each load; a load, a settings, price or
// contract change marks its tenant (or all) due in the same transaction, and publish clears the mark with the rows.
const MARTS_DUE = `
CREATE TABLE marts_due (tenant_id VARCHAR PRIMARY KEY, since TIMESTAMPTZ NOT NULL);
INSERT INTO marts_due SELECT DISTINCT tenant_id, now() FROM snapshots;
`;

// Version 10: sign-in times leave the users roster for their own roster table (`sign_ins`, history/layout.ts): they
// move daily for most users and made nearly every user a daily change of `users`. The current state follows here;
// the kept partitions of `users` are split by history/split-sign-ins.ts at the next writer open (tenants listed in
// sign_ins_split_pending), and until then no load runs.
const SIGN_INS_APART = `
CREATE TABLE current_sign_ins (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL,
  last_sign_in_at TIMESTAMPTZ, last_non_interactive_sign_in_at TIMESTAMPTZ, last_successful_sign_in_at TIMESTAMPTZ
);
INSERT INTO current_sign_ins
  SELECT tenant_id, snapshot_date, user_id, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at
  FROM current_users WHERE coalesce(last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at) IS NOT NULL;
ALTER TABLE current_users DROP COLUMN last_sign_in_at;
ALTER TABLE current_users DROP COLUMN last_non_interactive_sign_in_at;
ALTER TABLE current_users DROP COLUMN last_successful_sign_in_at;
CREATE TABLE sign_ins_split_pending AS
  SELECT DISTINCT tenant_id FROM history_partitions WHERE table_name = 'users' AND superseded_at IS NULL;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'tables', sql: TABLES },
  { version: 2, name: 'licensing reference', sql: reference },
  { version: 3, name: 'views', sql: VIEWS },
  { version: 4, name: 'reclamation identity', sql: RECLAMATION_IDENTITY },
  { version: 5, name: 'spend: prices, contracts, subscriptions, Copilot, savings', sql: SPEND },
  { version: 6, name: 'sign-in activity and the inactivity signal', sql: SIGN_IN },
  { version: 7, name: 'history in parquet partitions', sql: HISTORY_PARTITIONS },
  { version: 8, name: 'settings from the command line', sql: SETTINGS_CLI_MIGRATION },
  { version: 9, name: 'marts refreshed at publish', sql: () => MARTS_DUE },
  { version: 10, name: 'sign-ins apart from the users roster', sql: () => SIGN_INS_APART },
];

/** Applies pending migrations, then recreates the models (views over `historyRoot`'s partitions, marts). */
export async function migrate(conn: DuckDBConnection, historyRoot: string): Promise<void> {
  await conn.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
  );
  const applied = new Set(
    (await conn.runAndReadAll('SELECT version FROM schema_migrations')).getRowsJson().map((r) => Number(r[0])),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(m.sql());
      await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK');
      throw new Error(`Warehouse migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  await prepareHistory(conn, historyRoot);
}
