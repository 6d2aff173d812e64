// Migration 6: sign-in activity (issue 13). `users` keeps the three sign-in times Graph gives with AuditLog.Read.All
// and Entra ID P1/P2; a snapshot records whether it had them; `user_last_activity` gains them and decides inactivity
// by the tenant's signal (`signal_settings.inactivity_signal`: reports, sign_in, or both = the later of the two,
// default both when sign-ins are there); `inactive_licensed_evaluation` then also runs on sign-ins alone (concealed
// reports) and says which signal decided. The exclusion fragments are the ones of src/warehouse/exclusion.ts.
import { ACTIVE_SERVICES } from '../shared/staging-contract';
import { groupExcludedSql, upnExcludedSql } from './exclusion';
import { modelViewsSql } from './models';
import { SIGN_IN_MODELS } from './spend-schema';

export const SIGN_IN = (): string => `
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_non_interactive_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_successful_sign_in_at TIMESTAMPTZ;
ALTER TABLE snapshots ADD COLUMN sign_in_loaded BOOLEAN;
-- Effective usage-signal settings per tenant (defaults filled in).
CREATE OR REPLACE VIEW tenant_signal_settings AS
  SELECT t.tenant_id, coalesce(s.inactivity_signal, 'both') AS inactivity_signal, coalesce(s.copilot_idle_days, 30) AS copilot_idle_days
  FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM signal_settings) t
  LEFT JOIN signal_settings s USING (tenant_id);
CREATE OR REPLACE VIEW user_last_activity AS
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
    FROM a FULL JOIN e ON a.tenant_id = e.tenant_id AND a.user_id = e.user_id),
  base AS (
    SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.account_enabled, u.user_type,
           a.last_activity_date, (las.as_of - a.last_activity_date)::INTEGER AS report_days_inactive,
           a.exchange_last_activity_date, a.outlook_last_activity_date, a.onedrive_last_activity_date,
           a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date,
           a.last_license_assign_date, u.created_at, u.snapshot_date,
           las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, las.stale AS activity_stale,
           u.last_sign_in_at, u.last_non_interactive_sign_in_at, u.last_successful_sign_in_at,
           -- a successful sign-in when Graph gives it; otherwise the later attempt (interactive or not)
           coalesce(u.last_successful_sign_in_at, greatest(u.last_sign_in_at, u.last_non_interactive_sign_in_at))::DATE AS last_sign_in_date,
           coalesce(s.sign_in_loaded, false) AS sign_in_available,
           CASE WHEN NOT coalesce(s.sign_in_loaded, false) THEN 'reports'
                WHEN las.snapshot_date IS NULL THEN 'sign_in'
                ELSE ts.inactivity_signal END AS inactivity_signal,
           las.snapshot_date IS DISTINCT FROM u.snapshot_date AS reports_behind
    FROM users u JOIN latest_snapshot l USING (tenant_id, snapshot_date)
    JOIN snapshots s ON s.tenant_id = u.tenant_id AND s.snapshot_date = u.snapshot_date
    LEFT JOIN tenant_signal_settings ts ON ts.tenant_id = u.tenant_id
    LEFT JOIN latest_activity_snapshot las ON las.tenant_id = u.tenant_id
    LEFT JOIN a2 a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id)
  SELECT tenant_id, user_id, user_principal_name, display_name, account_enabled, user_type, last_activity_date,
         CASE inactivity_signal
              WHEN 'reports' THEN report_days_inactive
              WHEN 'sign_in' THEN (snapshot_date - last_sign_in_date)::INTEGER
              ELSE least(report_days_inactive, (snapshot_date - last_sign_in_date)::INTEGER) END AS days_inactive,
         exchange_last_activity_date, outlook_last_activity_date, onedrive_last_activity_date, sharepoint_last_activity_date,
         skype_last_activity_date, yammer_last_activity_date, teams_last_activity_date, last_license_assign_date, created_at,
         snapshot_date, activity_snapshot_date, activity_as_of, activity_stale,
         last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at, last_sign_in_date, report_days_inactive,
         CASE inactivity_signal WHEN 'reports' THEN last_activity_date WHEN 'sign_in' THEN last_sign_in_date
              ELSE greatest(last_activity_date, last_sign_in_date) END AS last_seen_date,
         inactivity_signal, sign_in_available, reports_behind
  FROM base;
-- Every licensed user of the latest snapshot with the verdict of each rule; the views below filter it. Evaluated
-- once a trusted activity snapshot exists or the latest snapshot has sign-ins (concealed reports: sign-ins decide).
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
           u.inactivity_signal, u.last_sign_in_date, u.last_seen_date,
           -- reports of this snapshot were concealed (or missing): the verdict rests on sign-ins and older reports
           u.sign_in_available AND u.reports_behind AS decided_without_current_reports
    FROM user_last_activity u JOIN lic USING (tenant_id, user_id) JOIN tenant_settings st USING (tenant_id)
    WHERE u.activity_snapshot_date IS NOT NULL OR u.sign_in_available)
  SELECT *,
         CASE WHEN excluded_by_pattern THEN 'upn_pattern'
              WHEN excluded_by_group THEN 'group'
              WHEN snapshot_date - newest_assignment_date < grace_days THEN 'grace' END AS excluded_by
  FROM e;
CREATE OR REPLACE VIEW inactive_licensed_users AS
  SELECT tenant_id, user_id, user_principal_name, account_enabled, days_inactive, sku_part_numbers,
         last_activity_date, sku_ids, has_direct, activity_as_of, inactivity_signal, last_sign_in_date, decided_without_current_reports
  FROM inactive_licensed_evaluation WHERE is_inactive AND excluded_by IS NULL;
${modelViewsSql(SIGN_IN_MODELS)}
`;
