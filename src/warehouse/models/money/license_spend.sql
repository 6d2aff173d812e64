-- Per tenant and SKU of the latest snapshot: seats bought, assigned, idle, and what they cost a year (annual_spend = paid seats x monthly price x 12, trial seats free; NULL money when no price is known).
-- materialized: table
WITH d AS (SELECT * FROM internal.latest_sku_daily),
holders AS (
  SELECT ul.tenant_id, ul.sku_id,
         count(*) FILTER (WHERE e.is_inactive AND e.excluded_by IS NULL)::INTEGER AS inactive_assigned,
         count(*) FILTER (WHERE e.is_inactive AND e.excluded_by IS NULL AND e.last_activity_date IS NULL)::INTEGER AS never_active_assigned,
         count(*) FILTER (WHERE NOT u.account_enabled)::INTEGER AS disabled_assigned
  FROM user_licenses ul
  LEFT JOIN inactive_licensed_evaluation e ON e.tenant_id = ul.tenant_id AND e.user_id = ul.user_id
  LEFT JOIN current_users u ON u.tenant_id = ul.tenant_id AND u.snapshot_date = ul.snapshot_date AND u.user_id = ul.user_id
  GROUP BY ul.tenant_id, ul.sku_id)
SELECT d.tenant_id, d.sku_id, d.sku_part_number, d.product_name, d.currency, d.unit_price_monthly, d.billing, d.price_source,
       d.purchased, d.assigned, greatest(d.purchased - d.assigned, 0) AS unassigned, d.trial_seats, d.paid_seats,
       coalesce(h.inactive_assigned, 0) AS inactive_assigned, coalesce(h.never_active_assigned, 0) AS never_active_assigned,
       coalesce(h.disabled_assigned, 0) AS disabled_assigned,
       round(d.paid_seats * d.unit_price_monthly * 12, 2) AS annual_spend,
       round(least(greatest(d.purchased - d.assigned, 0), d.paid_seats) * d.unit_price_monthly * 12, 2) AS unassigned_annual_cost,
       round(least(coalesce(h.inactive_assigned, 0), d.paid_seats) * d.unit_price_monthly * 12, 2) AS inactive_annual_cost,
       coalesce(d.contract_term_end + 1, d.next_lifecycle_date) AS next_renewal_date,
       d.contract_term_end, d.seats_committed, d.trial_ends_on, d.day AS snapshot_date
FROM d LEFT JOIN holders h ON h.tenant_id = d.tenant_id AND h.sku_id = d.sku_id
