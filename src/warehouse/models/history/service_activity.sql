-- Per user, service (`exchange`, `onedrive`, `sharepoint`, `skype`, `yammer`, `teams`, `outlook`) and snapshot: has licence, last activity, licence assign date (unpivoted from the two report tables)
SELECT tenant_id, snapshot_date, user_id, user_principal_name, x.service, x.has_license, x.last_activity_date,
       x.license_assign_date, report_refresh_date
FROM (SELECT *, unnest([
    {'service': 'exchange', 'has_license': exchange_has_license, 'last_activity_date': exchange_last_activity_date, 'license_assign_date': exchange_license_assign_date},
    {'service': 'onedrive', 'has_license': onedrive_has_license, 'last_activity_date': onedrive_last_activity_date, 'license_assign_date': onedrive_license_assign_date},
    {'service': 'sharepoint', 'has_license': sharepoint_has_license, 'last_activity_date': sharepoint_last_activity_date, 'license_assign_date': sharepoint_license_assign_date},
    {'service': 'skype', 'has_license': skype_has_license, 'last_activity_date': skype_last_activity_date, 'license_assign_date': skype_license_assign_date},
    {'service': 'yammer', 'has_license': yammer_has_license, 'last_activity_date': yammer_last_activity_date, 'license_assign_date': yammer_license_assign_date},
    {'service': 'teams', 'has_license': teams_has_license, 'last_activity_date': teams_last_activity_date, 'license_assign_date': teams_license_assign_date}
  ]) AS x
  FROM office365_active_user_detail WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false))
UNION ALL
SELECT tenant_id, snapshot_date, user_id, user_principal_name, 'outlook', NULL::BOOLEAN, last_activity_date, NULL::DATE, report_refresh_date
FROM email_activity_user_detail WHERE user_id IS NOT NULL AND NOT coalesce(is_deleted, false)
