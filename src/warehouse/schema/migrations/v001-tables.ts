// Migration 1, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// The first schema: runs, snapshots, the roster, SKUs, licence assignments, the two usage reports as typed
// rows, suspicious report rows, the reclamation audit and the per-tenant settings. The report tables' columns are
// the report columns as they were then; a report column added later needs its own migration.

export const name = 'tables';

export const sql = `
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
  report_refresh_date DATE, user_principal_name VARCHAR, display_name VARCHAR, is_deleted BOOLEAN, deleted_date DATE, exchange_has_license BOOLEAN, onedrive_has_license BOOLEAN, sharepoint_has_license BOOLEAN, skype_has_license BOOLEAN, yammer_has_license BOOLEAN, teams_has_license BOOLEAN, exchange_last_activity_date DATE, onedrive_last_activity_date DATE, sharepoint_last_activity_date DATE, skype_last_activity_date DATE, yammer_last_activity_date DATE, teams_last_activity_date DATE, exchange_license_assign_date DATE, onedrive_license_assign_date DATE, sharepoint_license_assign_date DATE, skype_license_assign_date DATE, yammer_license_assign_date DATE, teams_license_assign_date DATE, assigned_products VARCHAR
);
CREATE TABLE email_activity_user_detail (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR,
  report_refresh_date DATE, user_principal_name VARCHAR, display_name VARCHAR, is_deleted BOOLEAN, deleted_date DATE, last_activity_date DATE, send_count BIGINT, receive_count BIGINT, read_count BIGINT, meeting_created_count BIGINT, meeting_interacted_count BIGINT, assigned_products VARCHAR, report_period VARCHAR
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
