-- The same as `license_utilization` for every snapshot
SELECT tenant_id, snapshot_date, sku_id, sku_part_number, product_name, prepaid_enabled AS purchased,
       consumed_units AS assigned, prepaid_enabled - consumed_units AS available,
       CASE WHEN prepaid_enabled > 0 THEN round(consumed_units / prepaid_enabled, 4) END AS utilization
FROM skus
