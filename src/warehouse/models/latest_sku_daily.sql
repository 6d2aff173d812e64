-- `sku_daily` on each tenant's latest snapshot: per SKU the seats bought and assigned and the monthly price that applies today
SELECT sd.* FROM sku_daily sd JOIN latest_snapshot l ON l.tenant_id = sd.tenant_id AND l.snapshot_date = sd.day
