-- Every version of every user: valid from its snapshot date until `valid_to` (exclusive; NULL = still current)
SELECT tenant_id, user_id, valid_from, valid_to, user_principal_name, display_name, mail, account_enabled, user_type,
       created_at, department, job_title, usage_location, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at
FROM (SELECT *, snapshot_date AS valid_from,
             lead(snapshot_date) OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date) AS valid_to
      FROM users_changes)
WHERE change = 'upsert'
