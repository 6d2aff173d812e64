-- Licence assignment changes per loaded day from the Parquet history (`upsert` or `delete` per user, SKU and group)
SELECT * FROM {{ history('license_assignments') }}
