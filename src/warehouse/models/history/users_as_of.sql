-- the roster as it was on date `d` (the last snapshot loaded on or before it), with that day's sign-in times, e.g. `FROM users_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
-- The newest change per user on or before d, kept when it is an upsert: only the partitions up to d are read, and
-- no validity ranges are built for the whole history. Sign-in times the same way from their own changes.
WITH u AS (
  SELECT * FROM users_changes WHERE snapshot_date <= d
  QUALIFY row_number() OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date DESC) = 1 AND change = 'upsert'),
g AS (
  SELECT * FROM sign_ins_changes WHERE snapshot_date <= d
  QUALIFY row_number() OVER (PARTITION BY tenant_id, user_id ORDER BY snapshot_date DESC) = 1 AND change = 'upsert')
SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.mail, u.account_enabled, u.user_type, u.created_at,
       u.department, u.job_title, u.usage_location, g.last_sign_in_at, g.last_non_interactive_sign_in_at, g.last_successful_sign_in_at
FROM u LEFT JOIN g ON g.tenant_id = u.tenant_id AND g.user_id = u.user_id
