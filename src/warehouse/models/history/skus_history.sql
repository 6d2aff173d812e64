-- Every version of every subscribed SKU: valid from its snapshot date until `valid_to` (exclusive; NULL = still current)
SELECT tenant_id, sku_id, valid_from, valid_to, sku_part_number, product_name, applies_to, capability_status, prepaid_enabled,
       prepaid_suspended, prepaid_warning, prepaid_locked_out, consumed_units, account_name, subscription_ids, service_plans
FROM (SELECT *, snapshot_date AS valid_from,
             lead(snapshot_date) OVER (PARTITION BY tenant_id, sku_id ORDER BY snapshot_date) AS valid_to
      FROM skus_changes)
WHERE change = 'upsert'
