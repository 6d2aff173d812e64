// Migration 4, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Who decided, as the sign-in proved it: `actor` is the object id, `actor_upn` the UPN from the ID token, `identity`
// says whether it was verified (or the lab's `unverified` mode), `run_id` pins the workflow run.

export const name = 'reclamation identity';

export const sql = `
ALTER TABLE reclamations ADD COLUMN actor_upn VARCHAR;
ALTER TABLE reclamations ADD COLUMN identity VARCHAR;
ALTER TABLE reclamations ADD COLUMN run_id VARCHAR;
`;
