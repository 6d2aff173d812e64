-- licence assignments as they were on date `d`, e.g. `FROM license_assignments_as_of(DATE '2026-11-15')`
-- materialized: macro(d)
-- The newest change per assignment on or before d, kept when it is an upsert (see users_as_of).
SELECT tenant_id, user_id, sku_id, assigned_by_group, state, error, disabled_plans, last_updated_at
FROM license_assignments_changes WHERE snapshot_date <= d
QUALIFY row_number() OVER (PARTITION BY tenant_id, user_id, sku_id, assigned_by_group ORDER BY snapshot_date DESC) = 1 AND change = 'upsert'
