-- Microsoft 365 Copilot licence holders with no Copilot activity for N days (signal_settings.copilot_idle_days, default 30), after the grace period for new assignments, with what the seat costs.
WITH ca AS (
  SELECT c.tenant_id, c.user_id,
         max(greatest(c.last_activity_date, c.copilot_chat_last_activity_date, c.teams_copilot_last_activity_date,
                      c.word_copilot_last_activity_date, c.excel_copilot_last_activity_date, c.powerpoint_copilot_last_activity_date,
                      c.outlook_copilot_last_activity_date, c.onenote_copilot_last_activity_date, c.loop_copilot_last_activity_date)) AS last_copilot_activity_date,
         max(c.report_refresh_date) AS as_of
  FROM copilot_activity c JOIN internal.latest_activity_snapshot las ON las.tenant_id = c.tenant_id AND las.snapshot_date = c.snapshot_date
  WHERE c.user_id IS NOT NULL GROUP BY c.tenant_id, c.user_id),
-- Only tenants whose latest activity day has Copilot rows matched to users: a report concealed (quarantined) or not
-- read says nothing about who used Copilot.
reported AS (SELECT DISTINCT tenant_id FROM ca),
held AS (
  SELECT ul.*, u.user_principal_name, u.account_enabled, coalesce(ss.copilot_idle_days, 30) AS copilot_idle_days, st.grace_days,
         ca.last_copilot_activity_date, coalesce(ca.as_of, las.as_of) AS as_of,
         ul.snapshot_date - ul.last_assignment_change::DATE < st.grace_days AS in_grace
  FROM user_licenses ul
  JOIN copilot_skus cs ON cs.sku_part_number = ul.sku_part_number
  JOIN current_users u ON u.tenant_id = ul.tenant_id AND u.snapshot_date = ul.snapshot_date AND u.user_id = ul.user_id
  JOIN internal.latest_activity_snapshot las ON las.tenant_id = ul.tenant_id
  JOIN reported rp ON rp.tenant_id = ul.tenant_id
  JOIN tenant_settings st ON st.tenant_id = ul.tenant_id
  LEFT JOIN signal_settings ss ON ss.tenant_id = ul.tenant_id
  LEFT JOIN ca ON ca.tenant_id = ul.tenant_id AND ca.user_id = ul.user_id)
SELECT h.tenant_id, h.user_id, h.user_principal_name, h.account_enabled, h.sku_id, h.sku_part_number,
       h.last_assignment_change::DATE AS assigned_on, h.last_copilot_activity_date,
       (h.as_of - h.last_copilot_activity_date)::INTEGER AS days_idle, h.copilot_idle_days, h.as_of,
       ls.currency, ls.unit_price_monthly AS monthly_cost, round(ls.unit_price_monthly * 12, 2) AS annual_cost
FROM held h
LEFT JOIN license_spend ls ON ls.tenant_id = h.tenant_id AND ls.sku_id = h.sku_id
WHERE NOT coalesce(h.in_grace, false)
  AND (h.last_copilot_activity_date IS NULL OR h.as_of - h.last_copilot_activity_date >= h.copilot_idle_days)
