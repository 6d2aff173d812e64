// Migration 8, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Settings from the command line: SKU exclusions (a licence of an excluded SKU is never reclaimed) and who changed
// the settings and when (`settings.updated_by`, one `settings_changes` row per change). The views that read them are
// models (tenant_settings.sql, inactive_licensed_evaluation.sql).

export const name = 'settings from the command line';

export const sql = `
ALTER TABLE settings ADD COLUMN exclude_sku_part_numbers VARCHAR[];
ALTER TABLE settings ADD COLUMN updated_by VARCHAR;
-- Every change made with \`settings set|unset\`: who, when, and the values given (JSON; unset keys as null).
CREATE TABLE settings_changes (tenant_id VARCHAR NOT NULL, changed_at TIMESTAMPTZ NOT NULL, changed_by VARCHAR NOT NULL, change JSON NOT NULL);
`;
