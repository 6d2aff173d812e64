-- Holders of licences a rightsizing rule says they could do without (by default: premium suites used only for mail in 90 days), one row per user, with the best rule per licence and the monthly saving.
-- materialized: table
WITH best AS (
  SELECT * FROM internal.rightsizing_matches
  QUALIFY row_number() OVER (PARTITION BY tenant_id, user_id, sku_id ORDER BY confidence_rank, monthly_saving DESC NULLS LAST, rule_id) = 1)
SELECT tenant_id, user_id, any_value(user_principal_name) AS user_principal_name,
       list(sku_part_number ORDER BY sku_part_number) AS premium_sku_part_numbers,
       max(last_mail_activity_date) AS last_mail_activity_date,
       string_agg(suggestion, '; ' ORDER BY sku_part_number) AS suggestion,
       list(suggested_sku_part_number ORDER BY sku_part_number) AS suggested_sku_part_numbers,
       list(rule_id ORDER BY sku_part_number) AS rule_ids,
       CASE max(confidence_rank) WHEN 0 THEN 'high' WHEN 1 THEN 'medium' ELSE 'low' END AS confidence,
       CASE WHEN count(DISTINCT currency) = 1 AND count(monthly_saving) = count(*) THEN any_value(currency) END AS currency,
       CASE WHEN count(DISTINCT currency) = 1 AND count(monthly_saving) = count(*) THEN sum(monthly_saving) END AS monthly_saving
FROM best GROUP BY tenant_id, user_id
