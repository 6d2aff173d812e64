-- Per user of the latest snapshot: last activity over all services, `days_inactive` (counted to the report refresh date), one column per service
-- materialized: table
WITH a AS (
  SELECT tenant_id, user_id, max(exchange_last_activity_date) AS exchange_last_activity_date,
         max(onedrive_last_activity_date) AS onedrive_last_activity_date, max(sharepoint_last_activity_date) AS sharepoint_last_activity_date,
         max(skype_last_activity_date) AS skype_last_activity_date, max(yammer_last_activity_date) AS yammer_last_activity_date,
         max(teams_last_activity_date) AS teams_last_activity_date,
         max(greatest(exchange_license_assign_date, onedrive_license_assign_date, sharepoint_license_assign_date, skype_license_assign_date,
                      yammer_license_assign_date, teams_license_assign_date)) AS last_license_assign_date
  FROM current_office365_active_user_detail
  WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
e AS (
  SELECT tenant_id, user_id, max(last_activity_date) AS outlook_last_activity_date
  FROM current_email_activity_user_detail
  WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false) GROUP BY ALL),
a2 AS (
  SELECT coalesce(a.tenant_id, e.tenant_id) AS tenant_id, coalesce(a.user_id, e.user_id) AS user_id, a.*, e.outlook_last_activity_date,
         greatest(e.outlook_last_activity_date, a.exchange_last_activity_date, a.onedrive_last_activity_date, a.sharepoint_last_activity_date,
                  a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date) AS last_activity_date
  FROM a FULL JOIN e ON a.tenant_id = e.tenant_id AND a.user_id = e.user_id)
SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.account_enabled, u.user_type,
       a.last_activity_date, (las.as_of - a.last_activity_date)::INTEGER AS days_inactive,
       a.exchange_last_activity_date, a.outlook_last_activity_date, a.onedrive_last_activity_date,
       a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date,
       a.last_license_assign_date, u.created_at, u.snapshot_date,
       las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, las.stale AS activity_stale
FROM current_users u
LEFT JOIN latest_activity_snapshot las ON las.tenant_id = u.tenant_id
LEFT JOIN a2 a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id
