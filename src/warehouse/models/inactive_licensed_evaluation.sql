-- Every licensed user of the latest snapshot with each rule's verdict (what `inactive_licensed_users` and `inactive_licensed_users_excluded` keep)
-- materialized: table
-- Evaluated once a trusted activity snapshot exists or the latest snapshot has sign-ins (concealed reports: sign-ins
-- decide); otherwise nobody (everyone would look never active). The exclusion rule comes from exclusion.ts, which
-- the reclamation re-check applies too.
WITH lic_rows AS (
  SELECT la.tenant_id, la.user_id,
         list(coalesce(k.sku_part_number, la.sku_id)) AS part_list, list(la.sku_id) AS sku_list, list(la.assigned_by_group) AS group_list,
         bool_or(la.assigned_by_group IS NULL) AS has_direct,
         max(la.last_updated_at) AS last_assignment_change,
         any_value(la.snapshot_date) AS snapshot_date
  FROM current_license_assignments la
  LEFT JOIN current_skus k ON k.tenant_id = la.tenant_id AND k.sku_id = la.sku_id
  GROUP BY la.tenant_id, la.user_id),
lic_lists AS (
  SELECT tenant_id, user_id, list_sort(list_distinct(part_list)) AS sku_part_numbers, list_sort(list_distinct(sku_list)) AS sku_ids,
         list_distinct(group_list) AS groups, has_direct, last_assignment_change, snapshot_date
  FROM lic_rows),
lic AS (
  -- Plain list() per user, sorted and de-duplicated per row, and the group and SKU rules decided here: the join with
  -- user_last_activity below then carries two short lists per user, not three, which at 1M users is the difference
  -- between fitting the writer's memory limit and not.
  SELECT l.* EXCLUDE (groups),
         {{ group_excluded('l.groups', 'st.exclude_group_ids') }} AS excluded_by_group,
         {{ sku_excluded('l.sku_part_numbers', 'st.exclude_sku_part_numbers') }} AS excluded_by_sku
  FROM lic_lists l JOIN tenant_settings st USING (tenant_id)),
e AS (
  SELECT u.tenant_id, u.user_id, u.user_principal_name, u.account_enabled, u.days_inactive, u.last_activity_date,
         lic.sku_part_numbers, lic.sku_ids, lic.has_direct, st.inactivity_days, st.grace_days,
         greatest(u.created_at::DATE, lic.last_assignment_change::DATE, u.last_license_assign_date) AS newest_assignment_date,
         lic.snapshot_date, u.activity_as_of,
         (u.days_inactive IS NULL OR u.days_inactive >= st.inactivity_days) AS is_inactive,
         {{ upn_excluded('u.user_principal_name', 'st.exclude_upn_patterns') }} AS excluded_by_pattern,
         lic.excluded_by_group, lic.excluded_by_sku,
         u.inactivity_signal, u.last_sign_in_date, u.last_seen_date,
         -- reports of this snapshot were concealed (or missing): the verdict rests on sign-ins and older reports
         u.sign_in_available AND u.reports_behind AS decided_without_current_reports
  FROM user_last_activity u JOIN lic USING (tenant_id, user_id) JOIN tenant_settings st USING (tenant_id)
  WHERE u.activity_snapshot_date IS NOT NULL OR u.sign_in_available)
SELECT *,
       CASE WHEN excluded_by_pattern THEN 'upn_pattern'
            WHEN excluded_by_group THEN 'group'
            WHEN excluded_by_sku THEN 'sku'
            WHEN snapshot_date - newest_assignment_date < grace_days THEN 'grace' END AS excluded_by
FROM e
