// Migration 10, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Sign-in times leave the users roster for their own roster table (`sign_ins`, history/layout.ts): they move daily for
// most users and made nearly every user a daily change of `users`. The current state follows here; the kept
// partitions of `users` are split by history/split-sign-ins.ts at the next writer open (tenants listed in
// sign_ins_split_pending), and until then no load runs.

export const name = 'sign-ins apart from the users roster';

export const sql = `
CREATE TABLE current_sign_ins (
  tenant_id VARCHAR NOT NULL, snapshot_date DATE NOT NULL, user_id VARCHAR NOT NULL,
  last_sign_in_at TIMESTAMPTZ, last_non_interactive_sign_in_at TIMESTAMPTZ, last_successful_sign_in_at TIMESTAMPTZ
);
INSERT INTO current_sign_ins
  SELECT tenant_id, snapshot_date, user_id, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at
  FROM current_users WHERE coalesce(last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at) IS NOT NULL;
ALTER TABLE current_users DROP COLUMN last_sign_in_at;
ALTER TABLE current_users DROP COLUMN last_non_interactive_sign_in_at;
ALTER TABLE current_users DROP COLUMN last_successful_sign_in_at;
CREATE TABLE sign_ins_split_pending AS
  SELECT DISTINCT tenant_id FROM history_partitions WHERE table_name = 'users' AND superseded_at IS NULL;
`;
