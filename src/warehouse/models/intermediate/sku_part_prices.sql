-- The price of every priced SKU part number on each tenant's latest snapshot date (the tenant's own price first, then the admin's all-tenant price, then the list price; annual term first) and its `price_source` (tenant, admin, list): what a SKU the tenant does not hold yet would cost.
SELECT l.tenant_id, p.sku_part_number, p.currency, p.unit_price_monthly, p.billing,
       CASE WHEN p.tenant_id IS NOT NULL THEN 'tenant' WHEN coalesce(p.list_price, false) THEN 'list' ELSE 'admin' END AS price_source
FROM latest_snapshot l
JOIN prices p ON (p.tenant_id IS NULL OR p.tenant_id = l.tenant_id)
 AND l.snapshot_date >= p.effective_from AND (p.effective_to IS NULL OR l.snapshot_date <= p.effective_to)
QUALIFY row_number() OVER (PARTITION BY l.tenant_id, p.sku_part_number
  ORDER BY p.tenant_id IS NULL, coalesce(p.list_price, false), CASE p.billing WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END) = 1
