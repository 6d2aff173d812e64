-- Chargeback of the latest snapshot: per tenant, department, usage location and currency, the seats assigned and their annual cost (seats of SKUs without a price counted in unpriced_seats, with NULL currency; seats of a SKU held only on trial cost 0).
SELECT ul.tenant_id, u.department, u.usage_location, ls.currency,
       count(DISTINCT ul.user_id)::INTEGER AS users,
       count(*)::INTEGER AS assigned_seats,
       count(*) FILTER (WHERE ls.unit_price_monthly IS NULL)::INTEGER AS unpriced_seats,
       round(sum(p.price), 2) AS monthly_cost,
       round(sum(p.price) * 12, 2) AS annual_cost
FROM user_licenses ul
JOIN current_users u ON u.tenant_id = ul.tenant_id AND u.snapshot_date = ul.snapshot_date AND u.user_id = ul.user_id
LEFT JOIN license_spend ls ON ls.tenant_id = ul.tenant_id AND ls.sku_id = ul.sku_id
-- a SKU held only on trial costs nothing yet
CROSS JOIN LATERAL (SELECT CASE WHEN ls.paid_seats = 0 AND ls.trial_seats > 0 THEN 0 ELSE ls.unit_price_monthly END AS price) p
GROUP BY ul.tenant_id, u.department, u.usage_location, ls.currency
