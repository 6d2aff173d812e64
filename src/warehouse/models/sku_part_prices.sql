-- The price of every priced SKU part number on each tenant's latest snapshot date (the tenant's own price first, annual term first): what a SKU the tenant does not hold yet would cost.
SELECT l.tenant_id, p.sku_part_number, p.currency, p.unit_price_monthly, p.billing
FROM latest_snapshot l
JOIN prices p ON (p.tenant_id IS NULL OR p.tenant_id = l.tenant_id)
 AND l.snapshot_date >= p.effective_from AND (p.effective_to IS NULL OR l.snapshot_date <= p.effective_to)
QUALIFY row_number() OVER (PARTITION BY l.tenant_id, p.sku_part_number
  ORDER BY p.tenant_id IS NULL, CASE p.billing WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END) = 1
