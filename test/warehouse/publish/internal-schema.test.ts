// The published file shows analysts the answers: the helper models (the intermediate layer) sit in the schema
// `internal`, which the copy carries, so `SHOW TABLES` lists the marts and views analysts read and not the plumbing,
// while the answers built on the helpers still read them in a read-only session with external access off.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, publish, runReadOnlyQuery } from '../../../src/warehouse/index';
import { loadModels } from '../../../src/warehouse/models/read';
import { warehouseFiles, writeStaging } from '../../support/staging-fixtures';

const { root, work, published } = warehouseFiles();
const helpers = loadModels().filter((m) => m.schema === 'internal');

beforeAll(async () => {
  const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(root, 'staging')) });
  expect(r.status).toBe('succeeded');
  await publish(work, published);
}, 120_000);
afterAll(() => closeWarehouse());

describe('the published file', () => {
  it('lists the answers in SHOW TABLES and none of the helpers', async () => {
    const shown = (await runReadOnlyQuery(published, 'SHOW TABLES')).rows.map((r) => String(r.name));
    for (const answer of ['license_spend', 'inactive_licensed_users', 'savings_opportunities', 'user_last_activity', 'users_history', 'latest_snapshot']) {
      expect(shown).toContain(answer);
    }
    expect(helpers.length).toBeGreaterThan(5);
    for (const helper of helpers) expect(shown).not.toContain(helper.name);
  });

  it('carries the helpers in the schema internal, readable by name, and the answers read through them', async () => {
    const inInternal = await runReadOnlyQuery(
      published,
      `SELECT view_name AS name FROM duckdb_views() WHERE schema_name = 'internal'
       UNION ALL SELECT DISTINCT function_name FROM duckdb_functions() WHERE schema_name = 'internal' AND function_type = 'table_macro'`,
    );
    expect(inInternal.rows.map((r) => String(r.name)).sort()).toEqual(helpers.map((m) => m.name).sort());
    const held = await runReadOnlyQuery(published, 'SELECT count(*)::INTEGER AS n FROM internal.latest_sku_daily');
    const spend = await runReadOnlyQuery(published, 'SELECT count(*)::INTEGER AS n FROM license_spend');
    expect(Number(held.rows[0]!.n)).toBeGreaterThan(0);
    expect(spend.rows[0]!.n).toBe(held.rows[0]!.n);
  });
});
