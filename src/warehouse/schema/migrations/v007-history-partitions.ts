// Migration 7, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// History moves to immutable Parquet partitions (src/warehouse/history); the database keeps the current state and the
// small tables. The tables that held every snapshot keep their rows under legacy_* names: the writer moves them into
// partitions on open (history/legacy.ts), then drops them. Views are models from this version on.

export const name = 'history in parquet partitions';

export const sql = `
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
