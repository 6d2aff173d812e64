-- Every version of every user's sign-in times: valid from its snapshot date until `valid_to` (exclusive; NULL = still current)
SELECT tenant_id, user_id, valid_from, valid_to, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at
FROM (SELECT *, snapshot_date AS valid_from,
             lead(snapshot_date) OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date) AS valid_to
      FROM sign_ins_changes)
WHERE change = 'upsert'
