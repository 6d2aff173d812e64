-- The price rule applied to the SKU-days of relation `held_days` (a name: `internal.sku_held_days` or `internal.sku_held_latest`): per tenant, day and SKU the seats held, trial seats, and the monthly price that applied and where it comes from (`price_source`: contract, else the admin's price for the tenant, else the admin's price for all tenants, else the list price). Read it through `sku_daily` or `license_spend`; `m365-license query` refuses a direct call.
-- materialized: macro(held_days)
-- The one home of the price rule: sku_daily (every day, for spend_history) is sku_prices_on('internal.sku_held_days')
-- and latest_sku_daily (license_spend's and the marts' today) sku_prices_on('internal.sku_held_latest'). The relation is named,
-- not a flag between two branches: DuckDB binds every branch, and binding the history views lists and reads the
-- schema of every Parquet file kept (30 ms at 365 days), which the latest day must not pay.
WITH held AS (SELECT tenant_id, day, snapshot_date, sku_id, sku_part_number, product_name, purchased, assigned FROM query_table(held_days)),
subs AS (
  SELECT tenant_id, snapshot_date, lower(sku_id) AS sku_id,
         coalesce(sum(total_licenses) FILTER (WHERE is_trial AND status IN ('Enabled', 'Warning')), 0)::INTEGER AS trial_seats,
         min(next_lifecycle_at) FILTER (WHERE is_trial AND status IN ('Enabled', 'Warning'))::DATE AS trial_ends_on,
         min(next_lifecycle_at) FILTER (WHERE NOT coalesce(is_trial, false) AND status IN ('Enabled', 'Warning'))::DATE AS next_lifecycle_date
  FROM subscriptions x
  -- only the snapshots the days read (for the latest day, the latest one per tenant), not every day's subscriptions
  SEMI JOIN (SELECT DISTINCT tenant_id, snapshot_date FROM held) hs ON hs.tenant_id = x.tenant_id AND hs.snapshot_date = x.snapshot_date
  GROUP BY ALL),
sub_skus AS (
  SELECT DISTINCT tenant_id, commerce_subscription_id, sku_part_number FROM subscriptions WHERE commerce_subscription_id IS NOT NULL),
contract_day AS (
  SELECT h.tenant_id, h.day, h.sku_id, c.billing, c.term_end, c.seats_committed, c.currency, c.unit_price_monthly
  FROM held h
  JOIN contracts c ON c.tenant_id = h.tenant_id AND h.day BETWEEN c.term_start AND c.term_end
  LEFT JOIN sub_skus ss ON ss.tenant_id = c.tenant_id AND ss.commerce_subscription_id = c.commerce_subscription_id
  WHERE coalesce(c.sku_part_number, ss.sku_part_number) = h.sku_part_number
  QUALIFY row_number() OVER (PARTITION BY h.tenant_id, h.day, h.sku_id ORDER BY c.unit_price_monthly IS NULL, c.term_start DESC) = 1),
list_day AS (
  SELECT h.tenant_id, h.day, h.sku_id, p.currency, p.unit_price_monthly, p.billing,
         CASE WHEN p.tenant_id IS NOT NULL THEN 'tenant' WHEN coalesce(p.list_price, false) THEN 'list' ELSE 'admin' END AS price_source
  FROM held h
  JOIN prices p ON p.sku_part_number = h.sku_part_number AND (p.tenant_id IS NULL OR p.tenant_id = h.tenant_id)
   AND h.day >= p.effective_from AND (p.effective_to IS NULL OR h.day <= p.effective_to)
  LEFT JOIN contract_day cd ON cd.tenant_id = h.tenant_id AND cd.day = h.day AND cd.sku_id = h.sku_id
  QUALIFY row_number() OVER (PARTITION BY h.tenant_id, h.day, h.sku_id
    ORDER BY p.tenant_id IS NULL, coalesce(p.list_price, false), (p.billing = cd.billing) DESC NULLS LAST,
             CASE p.billing WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END) = 1)
SELECT h.tenant_id, h.day, h.snapshot_date, h.sku_id, h.sku_part_number, h.product_name, h.purchased, h.assigned,
       coalesce(s.trial_seats, 0) AS trial_seats, greatest(h.purchased - coalesce(s.trial_seats, 0), 0) AS paid_seats,
       CASE WHEN cd.unit_price_monthly IS NOT NULL THEN cd.currency ELSE ld.currency END AS currency,
       coalesce(cd.unit_price_monthly, ld.unit_price_monthly) AS unit_price_monthly,
       coalesce(cd.billing, ld.billing) AS billing,
       CASE WHEN cd.unit_price_monthly IS NOT NULL THEN 'contract' ELSE ld.price_source END AS price_source,
       cd.term_end AS contract_term_end, cd.seats_committed, s.trial_ends_on, s.next_lifecycle_date
FROM held h
LEFT JOIN subs s ON s.tenant_id = h.tenant_id AND s.snapshot_date = h.snapshot_date AND s.sku_id = h.sku_id
LEFT JOIN contract_day cd ON cd.tenant_id = h.tenant_id AND cd.day = h.day AND cd.sku_id = h.sku_id
LEFT JOIN list_day ld ON ld.tenant_id = h.tenant_id AND ld.day = h.day AND ld.sku_id = h.sku_id
