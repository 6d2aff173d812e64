-- Every version of every licence assignment: valid from its snapshot date until `valid_to` (exclusive; NULL = still current)
SELECT tenant_id, user_id, sku_id, assigned_by_group, valid_from, valid_to, state, error, disabled_plans, last_updated_at
FROM (SELECT *, snapshot_date AS valid_from,
             lead(snapshot_date) OVER (PARTITION BY tenant_id, user_id, sku_id, assigned_by_group ORDER BY snapshot_date) AS valid_to
      FROM license_assignments_changes)
WHERE change = 'upsert'
