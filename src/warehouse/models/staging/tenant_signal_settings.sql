-- Effective usage-signal settings per tenant (defaults filled in): `inactivity_signal` (reports, sign_in, both; default both) and `copilot_idle_days` (default 30)
SELECT t.tenant_id, coalesce(s.inactivity_signal, 'both') AS inactivity_signal, coalesce(s.copilot_idle_days, 30) AS copilot_idle_days
FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM signal_settings) t
LEFT JOIN signal_settings s USING (tenant_id)
