// Migration 12, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// Per-tenant defaults of a reclamation's people steps: days the user is told before the removal, and the hours after
// which a waiting request reminds the approvers and then tells the escalation group (NULL: the default).

export const name = 'reclamation notice and reminder settings';

export const sql = `
ALTER TABLE settings ADD COLUMN notice_days INTEGER;
ALTER TABLE settings ADD COLUMN remind_after_hours INTEGER;
ALTER TABLE settings ADD COLUMN escalate_after_hours INTEGER;
`;
