// Migration 7, "settings from the command line": SKU exclusions (a licence of an excluded SKU is never reclaimed),
// who changed the settings and when (`settings.updated_by`, one `settings_changes` row per change), and the
// exclusion rule of inactive_licensed_evaluation re-created with the SKU rule added (fragments from exclusion.ts):
// the view as migration 6 (sign-in-schema.ts) left it, plus `excluded_by_sku`.
import { groupExcludedSql, skuExcludedSql, upnExcludedSql } from './exclusion';
import { DEFAULT_SETTINGS } from './types';

/** The migration: its tables, then its views. */
export const SETTINGS_CLI_MIGRATION = (): string => SETTINGS_CLI_TABLES + SETTINGS_CLI_VIEWS();

const SETTINGS_CLI_TABLES = `
ALTER TABLE settings ADD COLUMN exclude_sku_part_numbers VARCHAR[];
ALTER TABLE settings ADD COLUMN updated_by VARCHAR;
-- Every change made with \`settings set|unset\`: who, when, and the values given (JSON; unset keys as null).
CREATE TABLE settings_changes (tenant_id VARCHAR NOT NULL, changed_at TIMESTAMPTZ NOT NULL, changed_by VARCHAR NOT NULL, change JSON NOT NULL);
`;

// The two views that read the new columns: tenant_settings exposes them, and the one exclusion rule gains 'sku'.
const SETTINGS_CLI_VIEWS = (): string => `
CREATE OR REPLACE VIEW tenant_settings AS
  SELECT t.tenant_id,
         coalesce(s.inactivity_days, ${DEFAULT_SETTINGS.inactivityDays}) AS inactivity_days, coalesce(s.grace_days, ${DEFAULT_SETTINGS.graceDays}) AS grace_days,
         coalesce(s.freshness_days, ${DEFAULT_SETTINGS.freshnessDays}) AS freshness_days,
         coalesce(s.exclude_upn_patterns, []::VARCHAR[]) AS exclude_upn_patterns,
         coalesce(s.exclude_group_ids, []::VARCHAR[]) AS exclude_group_ids,
         coalesce(s.exclude_sku_part_numbers, []::VARCHAR[]) AS exclude_sku_part_numbers,
         s.updated_at, s.updated_by
  FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM settings) t
  LEFT JOIN settings s USING (tenant_id);
CREATE OR REPLACE VIEW inactive_licensed_evaluation AS
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
           ${groupExcludedSql('lic.groups', 'st.exclude_group_ids')} AS excluded_by_group,
           ${skuExcludedSql('lic.sku_part_numbers', 'st.exclude_sku_part_numbers')} AS excluded_by_sku,
           u.inactivity_signal, u.last_sign_in_date, u.last_seen_date,
           -- reports of this snapshot were concealed (or missing): the verdict rests on sign-ins and older reports
           u.sign_in_available AND u.reports_behind AS decided_without_current_reports
    FROM user_last_activity u JOIN lic USING (tenant_id, user_id) JOIN tenant_settings st USING (tenant_id)
    WHERE u.activity_snapshot_date IS NOT NULL OR u.sign_in_available)
  SELECT *,
         CASE WHEN excluded_by_pattern THEN 'upn_pattern'
              WHEN excluded_by_group THEN 'group'
              WHEN excluded_by_sku THEN 'sku'
              WHEN snapshot_date - newest_assignment_date < grace_days THEN 'grace' END AS excluded_by
  FROM e;
`;
