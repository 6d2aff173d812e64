-- Per user of the latest snapshot: last activity per service, sign-in times, and `days_inactive` by the tenant's inactivity signal (reports, sign_in, or both = the later of the two)
-- materialized: table
-- `inactivity_signal` falls back to reports when the snapshot has no sign-ins, and to sign_in when no trusted
-- activity snapshot exists (reports concealed). `report_days_inactive` is counted to the report refresh date.
WITH base AS (
  SELECT u.tenant_id, u.user_id, u.user_principal_name, u.display_name, u.account_enabled, u.user_type,
         greatest(a.outlook_last_activity_date, a.exchange_last_activity_date, a.onedrive_last_activity_date, a.sharepoint_last_activity_date,
                  a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date) AS last_activity_date,
         a.exchange_last_activity_date, a.outlook_last_activity_date, a.onedrive_last_activity_date,
         a.sharepoint_last_activity_date, a.skype_last_activity_date, a.yammer_last_activity_date, a.teams_last_activity_date,
         a.last_license_assign_date, u.created_at, u.snapshot_date,
         las.snapshot_date AS activity_snapshot_date, las.as_of AS activity_as_of, las.stale AS activity_stale,
         g.last_sign_in_at, g.last_non_interactive_sign_in_at, g.last_successful_sign_in_at,
         -- a successful sign-in when Graph gives it; otherwise the later attempt (interactive or not)
         coalesce(g.last_successful_sign_in_at, greatest(g.last_sign_in_at, g.last_non_interactive_sign_in_at))::DATE AS last_sign_in_date,
         coalesce(s.sign_in_loaded, false) AS sign_in_available,
         CASE WHEN NOT coalesce(s.sign_in_loaded, false) THEN 'reports'
              WHEN las.snapshot_date IS NULL THEN 'sign_in'
              ELSE coalesce(ts.inactivity_signal, 'both') END AS inactivity_signal,
         las.snapshot_date IS DISTINCT FROM u.snapshot_date AS reports_behind
  FROM current_users u
  JOIN snapshots s ON s.tenant_id = u.tenant_id AND s.snapshot_date = u.snapshot_date
  LEFT JOIN tenant_signal_settings ts ON ts.tenant_id = u.tenant_id
  LEFT JOIN internal.latest_activity_snapshot las ON las.tenant_id = u.tenant_id
  LEFT JOIN current_user_activity a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id
  LEFT JOIN current_sign_ins g ON g.tenant_id = u.tenant_id AND g.user_id = u.user_id),
r AS (SELECT *, (activity_as_of - last_activity_date)::INTEGER AS report_days_inactive FROM base)
SELECT tenant_id, user_id, user_principal_name, display_name, account_enabled, user_type, last_activity_date,
       CASE inactivity_signal
            WHEN 'reports' THEN report_days_inactive
            WHEN 'sign_in' THEN (snapshot_date - last_sign_in_date)::INTEGER
            ELSE least(report_days_inactive, (snapshot_date - last_sign_in_date)::INTEGER) END AS days_inactive,
       exchange_last_activity_date, outlook_last_activity_date, onedrive_last_activity_date, sharepoint_last_activity_date,
       skype_last_activity_date, yammer_last_activity_date, teams_last_activity_date, last_license_assign_date, created_at,
       snapshot_date, activity_snapshot_date, activity_as_of, activity_stale,
       last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at, last_sign_in_date, report_days_inactive,
       CASE inactivity_signal WHEN 'reports' THEN last_activity_date WHEN 'sign_in' THEN last_sign_in_date
            ELSE greatest(last_activity_date, last_sign_in_date) END AS last_seen_date,
       inactivity_signal, sign_in_available, reports_behind
FROM r
