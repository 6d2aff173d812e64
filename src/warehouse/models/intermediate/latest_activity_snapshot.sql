-- Latest snapshot with trusted activity per tenant, its report refresh date (`as_of`) and stale flag
SELECT s.tenant_id, s.snapshot_date, s.report_refresh_date, coalesce(s.report_refresh_date, s.snapshot_date) AS as_of, s.stale
FROM snapshots s
JOIN (SELECT tenant_id, max(snapshot_date) AS snapshot_date FROM snapshots WHERE activity_loaded GROUP BY tenant_id) m
  USING (tenant_id, snapshot_date)
