-- Roster changes per loaded day from the Parquet history: `change` is `upsert` (new or changed user) or `delete` (gone that day)
SELECT * FROM {{ history('users') }}
