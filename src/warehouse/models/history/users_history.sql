-- Every version of every user: valid from its snapshot date until `valid_to` (exclusive; NULL = still current); sign-in times are versioned apart in `sign_ins_history`
SELECT tenant_id, user_id, valid_from, valid_to, user_principal_name, display_name, mail, account_enabled, user_type,
       created_at, department, job_title, usage_location
FROM (SELECT *, snapshot_date AS valid_from,
             lead(snapshot_date) OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date) AS valid_to
      FROM users_changes)
WHERE change = 'upsert'
