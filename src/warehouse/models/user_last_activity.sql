-- Per user of the latest snapshot: last activity over all services, `days_inactive` (counted to the report refresh date), one column per service
-- materialized: table
SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.account_enabled, u.user_type,
       greatest(a.outlook_last_activity_date, a.exchange_last_activity_date, a.onedrive_last_activity_date, a.sharepoint_last_activity_date,
                a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date) AS last_activity_date,
       (las.as_of - greatest(a.outlook_last_activity_date, a.exchange_last_activity_date, a.onedrive_last_activity_date,
                             a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date,
                             a.teams_last_activity_date))::INTEGER AS days_inactive,
       a.exchange_last_activity_date, a.outlook_last_activity_date, a.onedrive_last_activity_date,
       a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date,
       a.last_license_assign_date, u.created_at, u.snapshot_date,
       las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, las.stale AS activity_stale
FROM current_users u
LEFT JOIN latest_activity_snapshot las ON las.tenant_id = u.tenant_id
LEFT JOIN current_user_activity a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id
