-- `sku_daily` on each tenant's latest snapshot: per SKU the seats bought and assigned and the monthly price that applies today (computed for that day alone)
SELECT * FROM sku_prices_on('sku_held_latest')
