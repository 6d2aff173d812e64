-- The Microsoft 365 active-user report per snapshot as typed rows, `user_id` set when the UPN matched the roster (no rows for a concealed day)
SELECT * FROM {{ history('office365_active_user_detail') }}
