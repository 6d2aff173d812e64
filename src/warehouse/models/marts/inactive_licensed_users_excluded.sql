-- Inactive licensed users kept off the list and the rule that did it (`upn_pattern`, `group`, `grace`)
SELECT tenant_id, user_id, user_principal_name, account_enabled, days_inactive, sku_part_numbers, excluded_by,
       newest_assignment_date, grace_days
FROM inactive_licensed_evaluation WHERE is_inactive AND excluded_by IS NOT NULL
