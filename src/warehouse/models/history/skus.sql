-- Subscribed SKUs per snapshot: part number, product name, prepaid units (enabled/suspended/warning/locked out), consumed units, service plans (JSON)
SELECT s.tenant_id, s.snapshot_date, h.sku_id, h.sku_part_number, h.product_name, h.applies_to, h.capability_status, h.prepaid_enabled,
       h.prepaid_suspended, h.prepaid_warning, h.prepaid_locked_out, h.consumed_units, h.account_name, h.subscription_ids, h.service_plans
FROM snapshots s
JOIN skus_history h ON h.tenant_id = s.tenant_id AND h.valid_from <= s.snapshot_date AND coalesce(h.valid_to, DATE '9999-12-31') > s.snapshot_date
