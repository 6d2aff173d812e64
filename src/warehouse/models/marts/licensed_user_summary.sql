-- Per licensed user of the latest snapshot: the SKUs held (part numbers and ids, sorted), the groups licences come through, whether any is direct, the newest assignment change
-- materialized: table
-- A table of its own so inactive_licensed_evaluation joins two stored tables: computed in one statement, the
-- per-user lists and that join did not fit a 1M-user tenant into the writer's 512MB-600MB memory limit.
-- Plain list() per user, sorted and de-duplicated per row: a DISTINCT or ordered list aggregate costs twice as much.
WITH r AS (
  SELECT la.tenant_id, la.user_id, any_value(la.snapshot_date) AS snapshot_date,
         list(coalesce(k.sku_part_number, la.sku_id)) AS part_list, list(la.sku_id) AS sku_list, list(la.assigned_by_group) AS group_list,
         bool_or(la.assigned_by_group IS NULL) AS has_direct,
         max(la.last_updated_at) AS last_assignment_change
  FROM current_license_assignments la
  LEFT JOIN current_skus k ON k.tenant_id = la.tenant_id AND k.sku_id = la.sku_id
  GROUP BY la.tenant_id, la.user_id)
SELECT tenant_id, user_id, snapshot_date, list_sort(list_distinct(part_list)) AS sku_part_numbers, list_sort(list_distinct(sku_list)) AS sku_ids,
       list_distinct(group_list) AS groups, has_direct, last_assignment_change
FROM r
