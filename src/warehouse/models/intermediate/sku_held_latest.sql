-- Per tenant and SKU of its latest snapshot, on that day: seats bought and assigned, from the current-state SKUs (no history read); what `latest_sku_daily` prices.
-- current_skus holds the SKUs of each tenant's latest snapshot: the rows sku_held_days has for that day
-- (test/warehouse/models/latest-sku-daily.test.ts compares the two row for row).
SELECT tenant_id, snapshot_date AS day, snapshot_date, sku_id, sku_part_number, product_name,
       coalesce(prepaid_enabled, 0) AS purchased, coalesce(consumed_units, 0) AS assigned
FROM current_skus
