-- Every licensed user of the latest snapshot with each rule's verdict (what `inactive_licensed_users` and `inactive_licensed_users_excluded` keep)
-- materialized: table
-- Evaluated once a trusted activity snapshot exists or the latest snapshot has sign-ins (concealed reports: sign-ins
-- decide); otherwise nobody (everyone would look never active). The exclusion rule comes from exclusion.ts, which
-- the reclamation re-check applies too.
WITH lic AS (
  -- The group and SKU rules under the tenant's settings, per licensed user.
  SELECT l.* EXCLUDE (groups),
         {{ group_excluded('l.groups', 'st.exclude_group_ids') }} AS excluded_by_group,
         {{ sku_excluded('l.sku_part_numbers', 'st.exclude_sku_part_numbers') }} AS excluded_by_sku
  FROM licensed_user_summary l JOIN tenant_settings st USING (tenant_id)),
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
