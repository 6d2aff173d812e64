-- Subscribed SKU changes per loaded day from the Parquet history (`upsert` or `delete` per SKU)
SELECT * FROM {{ history('skus') }}
