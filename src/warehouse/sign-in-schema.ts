// Migration 6: sign-in activity (issue 13). `users` keeps the three sign-in times Graph gives with AuditLog.Read.All
// and Entra ID P1/P2; a snapshot records whether it had them. The views that use them (`tenant_signal_settings`,
// `user_last_activity` deciding inactivity by the tenant's signal, `inactive_licensed_evaluation` running on
// sign-ins alone when reports are concealed) are models in src/warehouse/models, recreated after every migration run.
// Since migration 7 the roster lives in Parquet partitions: the columns are part of the users history schema.

export const SIGN_IN = (): string => `
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_non_interactive_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_successful_sign_in_at TIMESTAMPTZ;
ALTER TABLE snapshots ADD COLUMN sign_in_loaded BOOLEAN;
`;
