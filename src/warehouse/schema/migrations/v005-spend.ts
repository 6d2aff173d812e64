// Migration 5, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Money: prices and contracts kept by the admin, Graph's commerce subscriptions, the Copilot usage report, and the
// reference data the spend and savings models read (complementary SKUs, service plans that supersede others,
// rightsizing rules, Copilot SKUs), loaded from data/ once; the shipped list prices too. The spend and savings
// views are models (src/warehouse/models/*.sql).

export const name = 'spend: prices, contracts, subscriptions, Copilot, savings';

export const sql = `
-- Prices kept by the admin. tenant_id NULL = applies to every tenant (list prices); a tenant's own row wins.
CREATE TABLE prices (
  tenant_id VARCHAR, sku_part_number VARCHAR NOT NULL, currency VARCHAR NOT NULL,
  unit_price_monthly DECIMAL(18,4) NOT NULL, billing VARCHAR NOT NULL, -- monthly | annual | triennial
  effective_from DATE NOT NULL, effective_to DATE, -- inclusive; NULL = until further notice
  source VARCHAR, retrieved_on DATE, imported_at TIMESTAMPTZ NOT NULL
);
-- Contracts kept by the admin: what was committed, for how long, at which price (NULL price = the list price applies).
CREATE TABLE contracts (
  tenant_id VARCHAR NOT NULL, commerce_subscription_id VARCHAR, sku_part_number VARCHAR,
  seats_committed INTEGER, term_start DATE NOT NULL, term_end DATE NOT NULL,
  billing VARCHAR, currency VARCHAR, unit_price_monthly DECIMAL(18,4), source VARCHAR, imported_at TIMESTAMPTZ NOT NULL
);
-- GET /directory/subscriptions per snapshot (commerce subscriptions: seats, status, trial, next lifecycle date).
CREATE TABLE subscriptions (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, subscription_id VARCHAR NOT NULL,
  commerce_subscription_id VARCHAR, sku_id VARCHAR, sku_part_number VARCHAR, total_licenses INTEGER,
  status VARCHAR, is_trial BOOLEAN, created_at TIMESTAMPTZ, next_lifecycle_at TIMESTAMPTZ,
  owner_id VARCHAR, owner_tenant_id VARCHAR, owner_type VARCHAR, service_status JSON
);
-- The Microsoft 365 Copilot usage user-detail report (v1.0 CSV) as typed rows, matched to the roster like the others.
CREATE TABLE copilot_activity (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR,
  report_refresh_date DATE, user_principal_name VARCHAR, display_name VARCHAR, last_activity_date DATE,
  copilot_chat_last_activity_date DATE, teams_copilot_last_activity_date DATE, word_copilot_last_activity_date DATE,
  excel_copilot_last_activity_date DATE, powerpoint_copilot_last_activity_date DATE, outlook_copilot_last_activity_date DATE,
  onenote_copilot_last_activity_date DATE, loop_copilot_last_activity_date DATE, report_period VARCHAR
);
-- Per-tenant usage-signal settings (NULL = default): which signal decides inactivity, and Copilot idleness.
CREATE TABLE signal_settings (
  tenant_id VARCHAR PRIMARY KEY, inactivity_signal VARCHAR, copilot_idle_days INTEGER, updated_at TIMESTAMPTZ
);
CREATE TABLE copilot_skus (sku_part_number VARCHAR PRIMARY KEY);
INSERT INTO copilot_skus VALUES ('Microsoft_365_Copilot'), ('M365_Copilot'), ('Microsoft_365_Copilot_EDU');
CREATE TABLE complementary_skus AS
  SELECT trim(sku_part_number) AS sku_part_number, trim(complement_sku_part_number) AS complement_sku_part_number, reason
  FROM read_csv({{ data_file('complementary-skus.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'sku_part_number': 'VARCHAR', 'complement_sku_part_number': 'VARCHAR', 'reason': 'VARCHAR'});
CREATE TABLE service_plan_supersedes AS
  SELECT trim(service_plan_name) AS service_plan_name, trim(supersedes_service_plan_name) AS supersedes_service_plan_name, reason
  FROM read_csv({{ data_file('service-plan-supersedes.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'service_plan_name': 'VARCHAR', 'supersedes_service_plan_name': 'VARCHAR', 'reason': 'VARCHAR'});
CREATE TABLE rightsizing_rules AS
  SELECT trim(rule_id) AS rule_id, trim(sku_part_number) AS sku_part_number,
         string_split(allowed_services, '|') AS allowed_services, window_days,
         trim(suggested_sku_part_number) AS suggested_sku_part_number, trim(confidence) AS confidence, source
  FROM read_csv({{ data_file('rightsizing-rules.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'rule_id': 'VARCHAR', 'sku_part_number': 'VARCHAR', 'allowed_services': 'VARCHAR', 'window_days': 'INTEGER', 'suggested_sku_part_number': 'VARCHAR', 'confidence': 'VARCHAR', 'source': 'VARCHAR'});
INSERT INTO prices
  SELECT NULL, trim(sku_part_number), upper(trim(currency)), unit_price_monthly, lower(trim(billing)), effective_from, effective_to,
         source, retrieved_on, now()
  FROM read_csv({{ data_file('prices.csv') }}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'sku_part_number': 'VARCHAR', 'currency': 'VARCHAR', 'unit_price_monthly': 'DECIMAL(18,4)', 'billing': 'VARCHAR', 'effective_from': 'DATE', 'effective_to': 'DATE', 'tenant': 'VARCHAR', 'source': 'VARCHAR', 'retrieved_on': 'DATE'});
`;
