-- Per SKU of the latest snapshot: holders, and how many were active in each service in the last 30 days
-- materialized: table
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
FROM current_license_assignments la
LEFT JOIN current_skus k ON k.tenant_id = la.tenant_id AND k.sku_id = la.sku_id
LEFT JOIN user_last_activity u ON u.tenant_id = la.tenant_id AND u.user_id = la.user_id
GROUP BY la.tenant_id, la.sku_id
