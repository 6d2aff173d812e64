-- `sku_daily` on each tenant's latest snapshot: per SKU the seats bought and assigned and the monthly price that applies today (computed for that day alone)
SELECT * FROM internal.sku_prices_on('internal.sku_held_latest')
