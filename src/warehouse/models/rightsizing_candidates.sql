-- Holders of premium suites who used only mail (Exchange/Outlook) in the last 90 days
-- materialized: table
SELECT u.tenant_id, u.user_id, u.user_principal_name,
       list(DISTINCT k.sku_part_number ORDER BY k.sku_part_number) AS premium_sku_part_numbers,
       greatest(u.exchange_last_activity_date, u.outlook_last_activity_date) AS last_mail_activity_date,
       any_value(p.suggestion) AS suggestion
FROM current_license_assignments la
JOIN current_skus k ON k.tenant_id = la.tenant_id AND k.sku_id = la.sku_id
JOIN premium_skus p ON p.sku_part_number = k.sku_part_number
JOIN user_last_activity u ON u.tenant_id = la.tenant_id AND u.user_id = la.user_id
WHERE greatest(u.exchange_last_activity_date, u.outlook_last_activity_date) >= u.activity_as_of - 90
  AND coalesce(greatest(u.onedrive_last_activity_date, u.sharepoint_last_activity_date, u.skype_last_activity_date,
                        u.yammer_last_activity_date, u.teams_last_activity_date) < u.activity_as_of - 90, true)
GROUP BY ALL
