-- Per SKU of the latest snapshot: purchased, assigned, available, utilization
-- materialized: table
SELECT k.tenant_id, k.sku_id, k.sku_part_number, k.product_name, k.capability_status,
       k.prepaid_enabled AS purchased, k.consumed_units AS assigned, k.prepaid_enabled - k.consumed_units AS available,
       CASE WHEN k.prepaid_enabled > 0 THEN round(k.consumed_units / k.prepaid_enabled, 4) END AS utilization,
       k.prepaid_warning, k.prepaid_suspended, k.prepaid_locked_out, k.snapshot_date
FROM current_skus k
