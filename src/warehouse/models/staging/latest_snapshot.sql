-- Latest snapshot date per tenant
SELECT tenant_id, max(snapshot_date) AS snapshot_date FROM snapshots GROUP BY tenant_id
