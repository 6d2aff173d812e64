-- Per SKU of the latest snapshot: holders, and how many were active in each service in the last 30 days
-- materialized: table
WITH h AS (
  -- One row per holder and SKU (a user can hold a SKU both directly and through a group).
  SELECT DISTINCT tenant_id, sku_id, user_id FROM current_license_assignments)
SELECT h.tenant_id, h.sku_id, any_value(k.sku_part_number) AS sku_part_number, any_value(k.product_name) AS product_name,
       count(*)::INTEGER AS holders,
       count(*) FILTER (WHERE u.last_activity_date >= las.as_of - 30)::INTEGER AS active_any_30d,
       count(*) FILTER (WHERE u.exchange_last_activity_date >= las.as_of - 30)::INTEGER AS active_exchange_30d,
       count(*) FILTER (WHERE u.outlook_last_activity_date >= las.as_of - 30)::INTEGER AS active_outlook_30d,
       count(*) FILTER (WHERE u.onedrive_last_activity_date >= las.as_of - 30)::INTEGER AS active_onedrive_30d,
       count(*) FILTER (WHERE u.sharepoint_last_activity_date >= las.as_of - 30)::INTEGER AS active_sharepoint_30d,
       count(*) FILTER (WHERE u.skype_last_activity_date >= las.as_of - 30)::INTEGER AS active_skype_30d,
       count(*) FILTER (WHERE u.yammer_last_activity_date >= las.as_of - 30)::INTEGER AS active_yammer_30d,
       count(*) FILTER (WHERE u.teams_last_activity_date >= las.as_of - 30)::INTEGER AS active_teams_30d
FROM h
LEFT JOIN current_skus k ON k.tenant_id = h.tenant_id AND k.sku_id = h.sku_id
LEFT JOIN internal.latest_activity_snapshot las ON las.tenant_id = h.tenant_id
-- The activity table directly (not user_last_activity): only the report dates count here, and the narrow join is
-- what keeps this mart's refresh quick at 1M users.
LEFT JOIN (SELECT *, greatest(outlook_last_activity_date, exchange_last_activity_date, onedrive_last_activity_date, sharepoint_last_activity_date,
                              skype_last_activity_date, yammer_last_activity_date, teams_last_activity_date) AS last_activity_date
           FROM current_user_activity) u ON u.tenant_id = h.tenant_id AND u.user_id = h.user_id
GROUP BY h.tenant_id, h.sku_id
