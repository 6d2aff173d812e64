// Migration 3 as it shipped: twelve views over the per-snapshot tables, since replaced by models on every writer
// open. A warehouse created by that release holds them, so the upgrade tests build their old warehouses from this
// text, not from today's (empty) version 3.

export const sql = `
-- One row per user and service (the design's contract), unpivoted from the two typed report tables.
CREATE VIEW service_activity AS
  SELECT tenant_id, snapshot_date, user_id, user_principal_name, x.service, x.has_license, x.last_activity_date,
         x.license_assign_date, report_refresh_date
  FROM (SELECT *, unnest([{'service': 'exchange', 'has_license': exchange_has_license, 'last_activity_date': exchange_last_activity_date, 'license_assign_date': exchange_license_assign_date},
    {'service': 'onedrive', 'has_license': onedrive_has_license, 'last_activity_date': onedrive_last_activity_date, 'license_assign_date': onedrive_license_assign_date},
    {'service': 'sharepoint', 'has_license': sharepoint_has_license, 'last_activity_date': sharepoint_last_activity_date, 'license_assign_date': sharepoint_license_assign_date},
    {'service': 'skype', 'has_license': skype_has_license, 'last_activity_date': skype_last_activity_date, 'license_assign_date': skype_license_assign_date},
    {'service': 'yammer', 'has_license': yammer_has_license, 'last_activity_date': yammer_last_activity_date, 'license_assign_date': yammer_license_assign_date},
    {'service': 'teams', 'has_license': teams_has_license, 'last_activity_date': teams_last_activity_date, 'license_assign_date': teams_license_assign_date}]) AS x
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
-- Effective thresholds per tenant (defaults when no settings row).
CREATE VIEW tenant_settings AS
  SELECT t.tenant_id,
         coalesce(s.inactivity_days, 90) AS inactivity_days, coalesce(s.grace_days, 30) AS grace_days,
         coalesce(s.freshness_days, 7) AS freshness_days,
         coalesce(s.exclude_upn_patterns, []::VARCHAR[]) AS exclude_upn_patterns,
         coalesce(s.exclude_group_ids, []::VARCHAR[]) AS exclude_group_ids
  FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM settings) t
  LEFT JOIN settings s USING (tenant_id);
CREATE VIEW license_utilization AS
  SELECT k.tenant_id, k.sku_id, k.sku_part_number, k.product_name, k.capability_status,
         k.prepaid_enabled AS purchased, k.consumed_units AS assigned, k.prepaid_enabled - k.consumed_units AS available,
         CASE WHEN k.prepaid_enabled > 0 THEN round(k.consumed_units / k.prepaid_enabled, 4) END AS utilization,
         k.prepaid_warning, k.prepaid_suspended, k.prepaid_locked_out, k.snapshot_date
  FROM skus k JOIN latest_snapshot l USING (tenant_id, snapshot_date);
CREATE VIEW user_last_activity AS
  WITH a AS (
    SELECT tenant_id, user_id, max(exchange_last_activity_date) AS exchange_last_activity_date, max(onedrive_last_activity_date) AS onedrive_last_activity_date, max(sharepoint_last_activity_date) AS sharepoint_last_activity_date, max(skype_last_activity_date) AS skype_last_activity_date, max(yammer_last_activity_date) AS yammer_last_activity_date, max(teams_last_activity_date) AS teams_last_activity_date,
           max(greatest(exchange_license_assign_date, onedrive_license_assign_date, sharepoint_license_assign_date, skype_license_assign_date, yammer_license_assign_date, teams_license_assign_date)) AS last_license_assign_date
    FROM office365_active_user_detail JOIN latest_activity_snapshot USING (tenant_id, snapshot_date)
    WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
  e AS (
    SELECT tenant_id, user_id, max(last_activity_date) AS outlook_last_activity_date
    FROM email_activity_user_detail JOIN latest_activity_snapshot USING (tenant_id, snapshot_date)
    WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
  a2 AS (
    SELECT coalesce(a.tenant_id, e.tenant_id) AS tenant_id, coalesce(a.user_id, e.user_id) AS user_id, a.*, e.outlook_last_activity_date,
           greatest(e.outlook_last_activity_date, a.exchange_last_activity_date, a.onedrive_last_activity_date, a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date) AS last_activity_date
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
           len(list_filter(st.exclude_upn_patterns, lambda p: lower(u.user_principal_name) GLOB lower(p))) > 0 AS excluded_by_pattern,
           len(list_intersect(lic.groups, st.exclude_group_ids)) > 0 AS excluded_by_group
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
