// Migration 8, "settings from the command line": SKU exclusions (a licence of an excluded SKU is never reclaimed)
// and who changed the settings and when (`settings.updated_by`, one `settings_changes` row per change). The views
// that read them are models: tenant_settings.sql and inactive_licensed_evaluation.sql (the SKU rule, from
// exclusion.ts like the others).

export const SETTINGS_CLI_MIGRATION = (): string => SETTINGS_CLI_TABLES;

const SETTINGS_CLI_TABLES = `
ALTER TABLE settings ADD COLUMN exclude_sku_part_numbers VARCHAR[];
ALTER TABLE settings ADD COLUMN updated_by VARCHAR;
-- Every change made with \`settings set|unset\`: who, when, and the values given (JSON; unset keys as null).
CREATE TABLE settings_changes (tenant_id VARCHAR NOT NULL, changed_at TIMESTAMPTZ NOT NULL, changed_by VARCHAR NOT NULL, change JSON NOT NULL);
`;
