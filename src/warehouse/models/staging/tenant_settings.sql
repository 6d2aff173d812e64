-- Effective settings per tenant (defaults filled in)
SELECT t.tenant_id,
       coalesce(s.inactivity_days, {{ default_setting('inactivityDays') }}) AS inactivity_days, coalesce(s.grace_days, {{ default_setting('graceDays') }}) AS grace_days,
       coalesce(s.freshness_days, {{ default_setting('freshnessDays') }}) AS freshness_days,
       coalesce(s.exclude_upn_patterns, []::VARCHAR[]) AS exclude_upn_patterns,
       coalesce(s.exclude_group_ids, []::VARCHAR[]) AS exclude_group_ids,
       coalesce(s.exclude_sku_part_numbers, []::VARCHAR[]) AS exclude_sku_part_numbers,
       coalesce(s.notice_days, {{ default_setting('noticeDays') }}) AS notice_days,
       coalesce(s.remind_after_hours, {{ default_setting('remindAfterHours') }}) AS remind_after_hours,
       coalesce(s.escalate_after_hours, {{ default_setting('escalateAfterHours') }}) AS escalate_after_hours,
       s.updated_at, s.updated_by
FROM (SELECT tenant_id FROM snapshots UNION SELECT tenant_id FROM settings) t
LEFT JOIN settings s USING (tenant_id)
