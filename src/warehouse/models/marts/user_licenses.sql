-- Licences held in the latest snapshot: one row per user and SKU, direct and group-inherited paths merged (an Error assignment holds no seat).
-- materialized: table
SELECT la.tenant_id, la.snapshot_date, la.user_id, la.sku_id, k.sku_part_number, k.product_name,
       bool_or(la.assigned_by_group IS NULL) AS has_direct,
       coalesce(list(DISTINCT la.assigned_by_group) FILTER (WHERE la.assigned_by_group IS NOT NULL), []::VARCHAR[]) AS groups,
       -- a plan is off for the user only when every assignment path disables it
       list_reduce(list(coalesce(list_transform(la.disabled_plans, lambda p: lower(p)), []::VARCHAR[])), lambda a, b: list_intersect(a, b)) AS disabled_plans,
       max(la.last_updated_at) AS last_assignment_change
FROM current_license_assignments la
LEFT JOIN current_skus k ON k.tenant_id = la.tenant_id AND k.sku_id = la.sku_id
WHERE coalesce(trim(la.state), 'Active') <> 'Error'
GROUP BY la.tenant_id, la.snapshot_date, la.user_id, la.sku_id, k.sku_part_number, k.product_name
