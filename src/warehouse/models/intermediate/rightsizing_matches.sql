-- Per user, licence and rightsizing rule (table rightsizing_rules) the user's recent activity satisfies: every service used in the rule's window is an allowed one; with the monthly saving of the suggested SKU.
-- Plain dates through the join and scalar tests per service (a list of structs per user and lambdas over it cost
-- more than the rest of this view); the list of services used is built for the matches only.
WITH svc AS (
  SELECT tenant_id, user_id, user_principal_name, activity_as_of,
         greatest(exchange_last_activity_date, outlook_last_activity_date) AS last_mail_activity_date,
         exchange_last_activity_date, outlook_last_activity_date, onedrive_last_activity_date, sharepoint_last_activity_date, skype_last_activity_date, yammer_last_activity_date, teams_last_activity_date
  FROM user_last_activity WHERE activity_as_of IS NOT NULL),
j AS (
  SELECT ul.tenant_id, ul.user_id, svc.user_principal_name, ul.sku_id, ul.sku_part_number, r.rule_id, r.window_days,
         r.suggested_sku_part_number, r.confidence, r.source, svc.last_mail_activity_date, r.allowed_services,
         coalesce(svc.exchange_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_exchange,
         coalesce(svc.outlook_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_outlook,
         coalesce(svc.onedrive_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_onedrive,
         coalesce(svc.sharepoint_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_sharepoint,
         coalesce(svc.skype_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_skype,
         coalesce(svc.yammer_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_yammer,
         coalesce(svc.teams_last_activity_date >= svc.activity_as_of - r.window_days, false) AS used_teams
  FROM user_licenses ul
  JOIN rightsizing_rules r ON r.sku_part_number = ul.sku_part_number
  JOIN svc ON svc.tenant_id = ul.tenant_id AND svc.user_id = ul.user_id),
m AS (
  SELECT * EXCLUDE (used_exchange, used_outlook, used_onedrive, used_sharepoint, used_skype, used_yammer, used_teams),
         list_filter([CASE WHEN used_exchange THEN 'exchange' END, CASE WHEN used_outlook THEN 'outlook' END, CASE WHEN used_onedrive THEN 'onedrive' END, CASE WHEN used_sharepoint THEN 'sharepoint' END, CASE WHEN used_skype THEN 'skype' END, CASE WHEN used_yammer THEN 'yammer' END, CASE WHEN used_teams THEN 'teams' END], lambda x: x IS NOT NULL) AS used_services
  FROM j
  -- some service used in the window, and none outside the rule's allowed ones
  WHERE (used_exchange OR used_outlook OR used_onedrive OR used_sharepoint OR used_skype OR used_yammer OR used_teams)
    AND NOT ((used_exchange AND coalesce(NOT list_contains(allowed_services, 'exchange'), false))
         OR (used_outlook AND coalesce(NOT list_contains(allowed_services, 'outlook'), false))
         OR (used_onedrive AND coalesce(NOT list_contains(allowed_services, 'onedrive'), false))
         OR (used_sharepoint AND coalesce(NOT list_contains(allowed_services, 'sharepoint'), false))
         OR (used_skype AND coalesce(NOT list_contains(allowed_services, 'skype'), false))
         OR (used_yammer AND coalesce(NOT list_contains(allowed_services, 'yammer'), false))
         OR (used_teams AND coalesce(NOT list_contains(allowed_services, 'teams'), false))))
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
LEFT JOIN internal.latest_sku_daily f ON f.tenant_id = m.tenant_id AND f.sku_id = m.sku_id
LEFT JOIN internal.sku_part_prices t ON t.tenant_id = m.tenant_id AND t.sku_part_number = m.suggested_sku_part_number
LEFT JOIN (SELECT sku_part_number, any_value(product_name) AS product_name FROM sku_reference GROUP BY 1) ref
  ON ref.sku_part_number = m.suggested_sku_part_number
