-- subscribed SKUs as they were on date `d`, e.g. `FROM skus_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
-- The newest change per SKU on or before d, kept when it is an upsert (see users_as_of).
SELECT tenant_id, sku_id, sku_part_number, product_name, applies_to, capability_status, prepaid_enabled, prepaid_suspended,
       prepaid_warning, prepaid_locked_out, consumed_units, account_name, subscription_ids, service_plans
FROM skus_changes WHERE snapshot_date <= d
QUALIFY row_number() OVER (PARTITION BY tenant_id, sku_id ORDER BY snapshot_date DESC) = 1 AND change = 'upsert'
