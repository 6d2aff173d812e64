-- Monthly spend per tenant, SKU and currency over the whole history: each day costs paid seats x that day's monthly price / days in the month, so price changes and seat changes are prorated by their effective dates.
SELECT tenant_id, date_trunc('month', day)::DATE AS month, sku_id, sku_part_number, currency,
       count(*)::INTEGER AS days_covered,
       (last_day(day)::DATE - date_trunc('month', day)::DATE + 1)::INTEGER AS days_in_month,
       round(avg(paid_seats), 2) AS avg_paid_seats,
       round(sum(paid_seats * unit_price_monthly) / (last_day(day)::DATE - date_trunc('month', day)::DATE + 1), 2)::DECIMAL(18,2) AS spend
FROM sku_daily
GROUP BY tenant_id, date_trunc('month', day), last_day(day), sku_id, sku_part_number, currency
