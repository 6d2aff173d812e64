-- Per user, licence and rightsizing rule (table rightsizing_rules) the user's recent activity satisfies: every service used in the rule's window is an allowed one; with the monthly saving of the suggested SKU.
WITH svc AS (
  SELECT tenant_id, user_id, user_principal_name, activity_as_of,
         greatest(exchange_last_activity_date, outlook_last_activity_date) AS last_mail_activity_date,
         [{'s': 'exchange', 'd': exchange_last_activity_date}, {'s': 'outlook', 'd': outlook_last_activity_date},
          {'s': 'onedrive', 'd': onedrive_last_activity_date}, {'s': 'sharepoint', 'd': sharepoint_last_activity_date},
          {'s': 'skype', 'd': skype_last_activity_date}, {'s': 'yammer', 'd': yammer_last_activity_date},
          {'s': 'teams', 'd': teams_last_activity_date}] AS last_by_service
  FROM user_last_activity WHERE activity_as_of IS NOT NULL),
m AS (
  SELECT ul.tenant_id, ul.user_id, svc.user_principal_name, ul.sku_id, ul.sku_part_number, r.rule_id, r.window_days,
         r.suggested_sku_part_number, r.confidence, r.source, svc.last_mail_activity_date,
         list_transform(list_filter(svc.last_by_service, lambda x: x.d >= svc.activity_as_of - r.window_days), lambda x: x.s) AS used_services,
         r.allowed_services
  FROM user_licenses ul
  JOIN rightsizing_rules r ON r.sku_part_number = ul.sku_part_number
  JOIN svc ON svc.tenant_id = ul.tenant_id AND svc.user_id = ul.user_id)
SELECT m.tenant_id, m.user_id, m.user_principal_name, m.sku_id, m.sku_part_number, m.rule_id, m.suggested_sku_part_number,
       coalesce(ref.product_name, m.suggested_sku_part_number) AS suggestion, m.confidence,
       CASE m.confidence WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END AS confidence_rank,
       m.used_services, m.window_days, m.last_mail_activity_date, m.source,
       CASE WHEN f.currency = t.currency THEN f.currency END AS currency,
       CASE WHEN f.currency = t.currency AND f.unit_price_monthly > t.unit_price_monthly
            THEN f.unit_price_monthly - t.unit_price_monthly END AS monthly_saving
FROM m
-- The held SKU's price from latest_sku_daily, as license_spend prices it (not license_spend itself: its holder counts
-- read every licensed user, which this join does not need).
LEFT JOIN latest_sku_daily f ON f.tenant_id = m.tenant_id AND f.sku_id = m.sku_id
LEFT JOIN sku_part_prices t ON t.tenant_id = m.tenant_id AND t.sku_part_number = m.suggested_sku_part_number
LEFT JOIN (SELECT sku_part_number, any_value(product_name) AS product_name FROM sku_reference GROUP BY 1) ref
  ON ref.sku_part_number = m.suggested_sku_part_number
WHERE len(m.used_services) > 0 AND len(list_filter(m.used_services, lambda x: NOT list_contains(m.allowed_services, x))) = 0
