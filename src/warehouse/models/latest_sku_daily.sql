-- `sku_daily` on each tenant's latest snapshot: per SKU the seats bought and assigned and the monthly price that applies today (computed for that day alone, sku_days(true))
SELECT * FROM sku_days(true)
