-- Per tenant, day and SKU from the tenant's first to its latest snapshot: the SKU as the latest snapshot on or before that day had it (seats bought and assigned); what `sku_daily` prices.
WITH days AS (
  SELECT tenant_id, unnest(generate_series(min(snapshot_date), max(snapshot_date), INTERVAL 1 DAY))::DATE AS day
  FROM snapshots GROUP BY tenant_id),
snap AS (
  SELECT d.tenant_id, d.day, s.snapshot_date
  FROM days d ASOF JOIN snapshots s ON d.tenant_id = s.tenant_id AND d.day >= s.snapshot_date)
SELECT s.tenant_id, s.day, s.snapshot_date, k.sku_id, k.sku_part_number, k.product_name,
       coalesce(k.prepaid_enabled, 0) AS purchased, coalesce(k.consumed_units, 0) AS assigned
FROM snap s JOIN skus k ON k.tenant_id = s.tenant_id AND k.snapshot_date = s.snapshot_date
