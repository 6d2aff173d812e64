-- Roster history, one row per user and loaded snapshot (UPN, names, enabled, Member/Guest, created, department, job title, usage location, sign-in times)
SELECT s.tenant_id, s.snapshot_date, h.user_id, h.user_principal_name, h.display_name, h.mail, h.account_enabled, h.user_type,
       h.created_at, h.department, h.job_title, h.usage_location,
       g.last_sign_in_at, g.last_non_interactive_sign_in_at, g.last_successful_sign_in_at
FROM snapshots s
JOIN users_history h ON h.tenant_id = s.tenant_id AND h.valid_from <= s.snapshot_date AND coalesce(h.valid_to, DATE '9999-12-31') > s.snapshot_date
LEFT JOIN sign_ins_history g ON g.tenant_id = s.tenant_id AND g.user_id = h.user_id
  AND g.valid_from <= s.snapshot_date AND coalesce(g.valid_to, DATE '9999-12-31') > s.snapshot_date
