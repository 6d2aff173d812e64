// Migration 6, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Sign-in activity: the roster keeps the three sign-in times Graph gives with AuditLog.Read.All on Entra ID P1/P2,
// and a snapshot records whether it had them. The views that use them are models. Since version 7 the roster lives
// in Parquet partitions, and since version 10 the sign-in times are a roster of their own.

export const name = 'sign-in activity and the inactivity signal';

export const sql = `
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_non_interactive_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_successful_sign_in_at TIMESTAMPTZ;
ALTER TABLE snapshots ADD COLUMN sign_in_loaded BOOLEAN;
`;
