-- the roster as it was on date `d` (the last snapshot loaded on or before it), e.g. `FROM users_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
-- The newest change per user on or before d, kept when it is an upsert: only the partitions up to d are read, and
-- no validity ranges are built for the whole history.
SELECT tenant_id, user_id, user_principal_name, display_name, mail, account_enabled, user_type, created_at, department, job_title,
       usage_location, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at
FROM users_changes WHERE snapshot_date <= d
QUALIFY row_number() OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date DESC) = 1 AND change = 'upsert'
