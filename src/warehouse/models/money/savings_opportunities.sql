-- One row per saving opportunity of the latest snapshot (reclaim_inactive, reclaim_disabled, copilot_idle, remove_overlap, downgrade, reduce_unassigned) with its money, when it can be realised (now, at_renewal, trial_ending) and the evidence; a user's seat is counted under one kind only.
WITH ls AS (
  SELECT *,
         CASE WHEN paid_seats = 0 AND trial_seats > 0 THEN 'trial_ending'
              WHEN unassigned = 0 THEN 'now'  -- a freed seat is reassigned instead of buying one
              ELSE 'at_renewal' END AS seat_realizable,
         CASE WHEN paid_seats = 0 AND trial_seats > 0 THEN trial_ends_on
              WHEN unassigned = 0 THEN snapshot_date
              ELSE next_renewal_date END AS seat_realizable_on
  FROM license_spend),
ev AS (SELECT e.*, las.stale FROM inactive_licensed_evaluation e LEFT JOIN internal.latest_activity_snapshot las ON las.tenant_id = e.tenant_id),
held AS (
  SELECT ul.tenant_id, ul.user_id, ul.sku_id, ul.sku_part_number, u.user_principal_name, u.account_enabled,
         ev.is_inactive, ev.excluded_by, ev.days_inactive, ev.activity_as_of, ev.stale, ev.inactivity_signal, ul.snapshot_date
  FROM user_licenses ul
  JOIN current_users u ON u.tenant_id = ul.tenant_id AND u.snapshot_date = ul.snapshot_date AND u.user_id = ul.user_id
  LEFT JOIN ev ON ev.tenant_id = ul.tenant_id AND ev.user_id = ul.user_id),
reclaim AS (
  SELECT tenant_id, user_id, user_principal_name, sku_id, sku_part_number,
         CASE WHEN NOT account_enabled THEN 'reclaim_disabled' ELSE 'reclaim_inactive' END AS kind,
         CASE WHEN NOT account_enabled AND is_inactive THEN 'high'
              WHEN NOT account_enabled THEN 'medium'
              WHEN stale THEN 'low'
              WHEN days_inactive IS NULL THEN 'medium'
              ELSE 'high' END AS confidence,
         concat_ws('; ',
           CASE WHEN NOT account_enabled THEN 'account disabled (sign-in blocked)' END,
           CASE WHEN NOT is_inactive THEN NULL
                WHEN inactivity_signal = 'sign_in' AND days_inactive IS NULL THEN 'never signed in (sign-ins as of ' || snapshot_date || '; reports concealed)'
                WHEN inactivity_signal = 'sign_in' THEN 'no sign-in for ' || days_inactive || ' days (sign-ins as of ' || snapshot_date || '; reports concealed)'
                WHEN inactivity_signal = 'both' AND days_inactive IS NULL THEN 'never signed in and no activity in the usage reports (as of ' || coalesce(activity_as_of::VARCHAR, '-') || ')'
                WHEN inactivity_signal = 'both' THEN 'no sign-in and no activity in any service for ' || days_inactive || ' days (reports as of ' || coalesce(activity_as_of::VARCHAR, '-') || ', sign-ins as of ' || snapshot_date || ')'
                WHEN days_inactive IS NULL THEN 'no activity in any service in the usage reports (as of ' || activity_as_of || ')'
                ELSE 'no activity in any service for ' || days_inactive || ' days (reports as of ' || activity_as_of || ')' END,
           CASE WHEN stale THEN 'usage reports are stale' END) AS evidence
  FROM held
  WHERE excluded_by IS NULL AND (NOT account_enabled OR is_inactive)),
-- Each user's seat is counted under one kind: a reclaimed user's other offers and a downgrade of a licence that is
-- already redundant drop out. Decided by windows over the tenant's own rows (not anti-joins), so a view read for one
-- tenant only computes that tenant.
copilot AS (
  SELECT c.tenant_id, c.user_id, c.user_principal_name, c.sku_id, c.sku_part_number, 'copilot_idle' AS kind, 'high' AS confidence,
         CASE WHEN c.last_copilot_activity_date IS NULL THEN 'no Copilot activity in the Copilot usage report (as of ' || c.as_of || ')'
              ELSE 'no Copilot activity for ' || c.days_idle || ' days (last ' || c.last_copilot_activity_date || ')' END AS evidence
  FROM copilot_idle_seats c),
overlap AS (
  SELECT o.tenant_id, o.user_id, o.user_principal_name, o.redundant_sku_id AS sku_id, o.redundant_sku_part_number AS sku_part_number,
         'remove_overlap' AS kind, 'high' AS confidence,
         'every enabled service plan of ' || o.redundant_sku_part_number || ' is also in ' || o.covered_by_sku_part_number || ', which the user holds' AS evidence
  FROM overlapping_licenses o),
downgrade AS (
  SELECT m.tenant_id, m.user_id, m.user_principal_name, m.sku_id, m.sku_part_number, 'downgrade' AS kind, m.confidence,
         'used only ' || array_to_string(m.used_services, ', ') || ' in the last ' || m.window_days || ' days: ' ||
         m.suggested_sku_part_number || ' would do (rule ' || m.rule_id || ')' AS evidence, m.monthly_saving AS unit_saving, m.currency AS saving_currency
  FROM internal.rightsizing_matches m
  WHERE m.monthly_saving > 0
  QUALIFY row_number() OVER (PARTITION BY m.tenant_id, m.user_id, m.sku_id ORDER BY m.confidence_rank, m.monthly_saving DESC, m.rule_id) = 1),
offers AS (
  SELECT tenant_id, user_id, user_principal_name, sku_id, sku_part_number, kind, confidence, evidence, NULL::DECIMAL(18,4) AS unit_saving, NULL::VARCHAR AS saving_currency FROM reclaim
  UNION ALL SELECT *, NULL, NULL FROM copilot
  UNION ALL SELECT *, NULL, NULL FROM overlap
  UNION ALL SELECT * FROM downgrade),
-- The precedence is decided on the offers' keys alone, then joined back: the windows stay narrow, and an inner
-- join lets a filter on one tenant reach both sides.
kept AS (
  SELECT DISTINCT tenant_id, user_id, sku_id, kind FROM (SELECT tenant_id, user_id, sku_id, kind FROM offers)
  QUALIFY (kind IN ('reclaim_inactive', 'reclaim_disabled')
           OR NOT bool_or(kind IN ('reclaim_inactive', 'reclaim_disabled')) OVER (PARTITION BY tenant_id, user_id))
      AND (kind <> 'downgrade' OR NOT bool_or(kind = 'remove_overlap') OVER (PARTITION BY tenant_id, user_id, sku_id))),
per_seat AS (
  SELECT o.* FROM offers o
  JOIN kept k ON k.tenant_id = o.tenant_id AND k.user_id = o.user_id AND k.sku_id IS NOT DISTINCT FROM o.sku_id AND k.kind = o.kind)
SELECT p.tenant_id, p.kind, p.user_id, p.user_principal_name, p.sku_part_number, 1 AS seats,
       CASE WHEN p.kind = 'downgrade' THEN p.unit_saving ELSE ls.unit_price_monthly END AS monthly_saving,
       round(CASE WHEN p.kind = 'downgrade' THEN p.unit_saving ELSE ls.unit_price_monthly END * 12, 2) AS annual_saving,
       CASE WHEN p.kind = 'downgrade' THEN p.saving_currency ELSE ls.currency END AS currency,
       ls.seat_realizable AS realizable, ls.seat_realizable_on AS realizable_on, p.confidence, p.evidence, ls.snapshot_date
FROM per_seat p LEFT JOIN ls ON ls.tenant_id = p.tenant_id AND ls.sku_id = p.sku_id
-- a free seat (price 0) saves nothing; an unpriced one (NULL) is listed with NULL money
WHERE coalesce(CASE WHEN p.kind = 'downgrade' THEN p.unit_saving ELSE ls.unit_price_monthly END, 1) > 0
UNION ALL
SELECT tenant_id, 'reduce_unassigned', NULL, NULL, sku_part_number, least(unassigned, paid_seats),
       least(unassigned, paid_seats) * unit_price_monthly, round(least(unassigned, paid_seats) * unit_price_monthly * 12, 2), currency,
       'at_renewal', next_renewal_date, CASE WHEN next_renewal_date IS NULL THEN 'medium' ELSE 'high' END,
       least(unassigned, paid_seats) || ' of ' || purchased || ' paid seats are not assigned' ||
         CASE WHEN seats_committed IS NOT NULL THEN ' (contract commits ' || seats_committed || ' seats until ' || contract_term_end || ')' ELSE '' END,
       snapshot_date
FROM ls WHERE least(unassigned, paid_seats) > 0 AND coalesce(unit_price_monthly, 1) > 0
