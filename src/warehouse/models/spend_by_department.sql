-- Chargeback of the latest snapshot: per tenant, department, usage location and currency, the seats assigned and their annual cost (seats of SKUs without a price counted in unpriced_seats, with NULL currency).
SELECT ul.tenant_id, u.department, u.usage_location, ls.currency,
       count(DISTINCT ul.user_id)::INTEGER AS users,
       count(*)::INTEGER AS assigned_seats,
       count(*) FILTER (WHERE ls.unit_price_monthly IS NULL)::INTEGER AS unpriced_seats,
       round(sum(ls.unit_price_monthly), 2) AS monthly_cost,
       round(sum(ls.unit_price_monthly) * 12, 2) AS annual_cost
FROM user_licenses ul
JOIN users u ON u.tenant_id = ul.tenant_id AND u.snapshot_date = ul.snapshot_date AND u.user_id = ul.user_id
LEFT JOIN license_spend ls ON ls.tenant_id = ul.tenant_id AND ls.sku_id = ul.sku_id
GROUP BY ul.tenant_id, u.department, u.usage_location, ls.currency
