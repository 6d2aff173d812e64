-- Licence assignments per user, SKU and snapshot: `assigned_by_group` (NULL = direct), state, error, disabled plans, last updated
SELECT s.tenant_id, s.snapshot_date, h.user_id, h.sku_id, h.assigned_by_group, h.state, h.error, h.disabled_plans, h.last_updated_at
FROM snapshots s
JOIN license_assignments_history h ON h.tenant_id = s.tenant_id AND h.valid_from <= s.snapshot_date AND coalesce(h.valid_to, DATE '9999-12-31') > s.snapshot_date
