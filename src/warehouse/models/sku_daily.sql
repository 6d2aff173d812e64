-- Per tenant, day and SKU from the tenant's first to its latest snapshot: seats held that day (latest snapshot on or before it), trial seats, and the monthly price that applied (contract, else the tenant's price, else the list price).
SELECT * FROM sku_prices_on('sku_held_days')
