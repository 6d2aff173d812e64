-- Per tenant, day and SKU from the tenant's first to its latest snapshot: seats held that day (latest snapshot on or before it), trial seats, and the monthly price that applied with its `price_source` (contract, else the admin's price for the tenant, else the admin's price for all tenants, else the list price).
SELECT * FROM internal.sku_prices_on('internal.sku_held_days')
