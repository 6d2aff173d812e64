-- Per user, a SKU whose enabled service plans (subscribedSkus plans minus disabled ones, company-level plans ignored) are all covered by another SKU the same person holds; complementary_skus pairs are never overlaps.
-- A held licence's enabled plans depend only on its SKU and the plans disabled on it, which few combinations share:
-- the plan lists and the covering test run per combination (a profile), and users only join their profiles' verdicts.
WITH plans AS (
  SELECT tenant_id, sku_id, lower(p.servicePlanId) AS plan_id, p.servicePlanName AS plan_name, p.appliesTo AS applies_to
  FROM (SELECT k.tenant_id, k.sku_id,
               unnest(from_json(k.service_plans, '[{"servicePlanId":"VARCHAR","servicePlanName":"VARCHAR","appliesTo":"VARCHAR"}]')) AS p
        FROM skus k JOIN latest_snapshot l ON l.tenant_id = k.tenant_id AND l.snapshot_date = k.snapshot_date)),
held AS (SELECT tenant_id, user_id, sku_id, sku_part_number, disabled_plans FROM user_licenses),
profiles AS (SELECT DISTINCT tenant_id, sku_id, sku_part_number, disabled_plans FROM held),
enabled AS (
  SELECT pr.tenant_id, pr.sku_id, pr.sku_part_number, pr.disabled_plans, list(DISTINCT pl.plan_name ORDER BY pl.plan_name) AS plans
  FROM profiles pr JOIN plans pl ON pl.tenant_id = pr.tenant_id AND pl.sku_id = pr.sku_id
  WHERE coalesce(pl.applies_to, 'User') <> 'Company' AND NOT list_contains(pr.disabled_plans, pl.plan_id)
  GROUP BY pr.tenant_id, pr.sku_id, pr.sku_part_number, pr.disabled_plans),
-- what a SKU covers: its own enabled plans plus the plans they supersede (Exchange Plan 2 covers Plan 1, ...)
covers AS (
  SELECT e.tenant_id, e.sku_id, e.sku_part_number, e.disabled_plans, e.plans,
         list_distinct(list_concat(e.plans, coalesce((SELECT list(s.supersedes_service_plan_name) FROM service_plan_supersedes s
                                                      WHERE list_contains(e.plans, s.service_plan_name)), []::VARCHAR[]))) AS covered
  FROM enabled e),
profile_pairs AS (
  SELECT a.tenant_id, a.sku_id AS redundant_sku_id, a.disabled_plans AS redundant_disabled, a.sku_part_number AS redundant,
         b.sku_id AS covering_sku_id, b.disabled_plans AS covering_disabled, b.sku_part_number AS covering, len(b.plans) AS covering_plans,
         len(list_filter(b.plans, lambda x: NOT list_contains(a.covered, x))) = 0 AS mutual
  FROM covers a JOIN covers b ON b.tenant_id = a.tenant_id AND b.sku_id <> a.sku_id
  WHERE len(a.plans) > 0 AND len(list_filter(a.plans, lambda x: NOT list_contains(b.covered, x))) = 0
    AND NOT EXISTS (SELECT 1 FROM complementary_skus c
                    WHERE (c.sku_part_number = a.sku_part_number AND c.complement_sku_part_number = b.sku_part_number)
                       OR (c.sku_part_number = b.sku_part_number AND c.complement_sku_part_number = a.sku_part_number))),
pairs AS (
  SELECT ha.tenant_id, ha.user_id, pp.redundant_sku_id, pp.redundant, pp.covering_sku_id, pp.covering, pp.covering_plans, pp.mutual
  FROM held ha
  JOIN profile_pairs pp ON pp.tenant_id = ha.tenant_id AND pp.redundant_sku_id = ha.sku_id AND pp.redundant_disabled IS NOT DISTINCT FROM ha.disabled_plans
  JOIN held hb ON hb.tenant_id = ha.tenant_id AND hb.user_id = ha.user_id AND hb.sku_id = pp.covering_sku_id
   AND hb.disabled_plans IS NOT DISTINCT FROM pp.covering_disabled)
SELECT p.tenant_id, p.user_id, u.user_principal_name, p.redundant AS redundant_sku_part_number,
       p.covering AS covered_by_sku_part_number, pa.currency, pa.unit_price_monthly AS monthly_saving,
       p.redundant_sku_id, p.covering_sku_id
FROM pairs p
JOIN latest_snapshot l ON l.tenant_id = p.tenant_id
JOIN current_users u ON u.tenant_id = p.tenant_id AND u.snapshot_date = l.snapshot_date AND u.user_id = p.user_id
LEFT JOIN license_spend pa ON pa.tenant_id = p.tenant_id AND pa.sku_id = p.redundant_sku_id
LEFT JOIN license_spend pb ON pb.tenant_id = p.tenant_id AND pb.sku_id = p.covering_sku_id
-- two SKUs covering each other: the dearer one is the redundant one
WHERE NOT p.mutual
   OR coalesce(pa.unit_price_monthly, 0) > coalesce(pb.unit_price_monthly, 0)
   OR (coalesce(pa.unit_price_monthly, 0) = coalesce(pb.unit_price_monthly, 0) AND p.redundant > p.covering)
QUALIFY row_number() OVER (PARTITION BY p.tenant_id, p.user_id, p.redundant_sku_id ORDER BY p.covering_plans DESC, p.covering) = 1
