-- Reclamation candidates: licensed users inactive ≥ N days (blocked accounts included), minus grace period and exclusions
SELECT tenant_id, user_id, user_principal_name, account_enabled, days_inactive, sku_part_numbers,
       last_activity_date, sku_ids, has_direct, activity_as_of, inactivity_signal, last_sign_in_date, decided_without_current_reports
FROM inactive_licensed_evaluation WHERE is_inactive AND excluded_by IS NULL
