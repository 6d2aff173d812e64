-- Sign-in time changes per loaded day from the Parquet history: `upsert` (a user's times changed, or the user first has one) or `delete` (no sign-in time any more: gone, or sign-ins not loaded that day)
SELECT * FROM {{ history('sign_ins') }}
