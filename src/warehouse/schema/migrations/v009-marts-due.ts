// Migration 9, frozen: never edit this text once released (test/warehouse/schema/migrations-frozen.test.ts holds its hash).
// The marts (table models) are recomputed at publish, not inside each load; a load, a settings, price or contract
// change marks its tenant (or all) due in the same transaction, and publish clears the mark with the rows.

export const name = 'marts refreshed at publish';

export const sql = `
CREATE TABLE marts_due (tenant_id VARCHAR PRIMARY KEY, since TIMESTAMPTZ NOT NULL);
INSERT INTO marts_due SELECT DISTINCT tenant_id, now() FROM snapshots;
`;
