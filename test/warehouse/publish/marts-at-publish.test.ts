// The marts (table models) are materialised at publish: a load or a change marks its tenant (or every tenant)
// due inside its own transaction, and publish recomputes exactly the due tenants before it copies the file.
import { appendFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, openReadOnly, publish, setPrice, updateSettings, withWriter } from '../../../src/warehouse/index';
import { historyRootFor } from '../../../src/warehouse/history/layout';
import { createModels, refreshDueMarts } from '../../../src/warehouse/models/build';
import { loadModels, MODELS_DIR } from '../../../src/warehouse/models/read';
import { expand } from '../../../src/warehouse/models/templates';
import { TENANT, tempDir, warehouseFiles, writeStaging } from '../../support/staging-fixtures';
import { queryPublished } from '../../support/work-query';

let root: string;
let work: string;
let published: string;
beforeEach(() => ({ root, work, published } = warehouseFiles()));
afterEach(() => closeWarehouse());

const OTHER = 'tenant-b';
const TABLE_MODELS = loadModels().filter((m) => m.materialized.kind === 'table');

/** A raw read of the working database: no refresh first (unlike queryWork). */
const raw = (sql: string) => withWriter(work, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
const due = async () => (await raw('SELECT tenant_id FROM marts_due ORDER BY 1')).map((r) => r.tenant_id);

async function loadBoth(): Promise<void> {
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(root, 'staging', 'a')) });
  await loadStagingDir({
    historyDays: 0,
    workDbPath: work,
    stagingDir: writeStaging(path.join(root, 'staging', 'b'), { manifest: false }),
    tenantId: OTHER,
    snapshotDate: '2024-05-10',
    runId: 'b-1',
  });
}

/** Every mart in the published file holds exactly what its model's SQL gives now, row for row, for every tenant. */
async function expectMartsMatchTheirModels(): Promise<void> {
  const ro = await openReadOnly(published);
  try {
    for (const m of TABLE_MODELS) {
      const sql = expand(m.sql, historyRootFor(work));
      const n = Number((await ro.query(`SELECT count(*) AS n FROM ${m.relation}`)).rows[0]!.n);
      const extra = await ro.query(`SELECT count(*) AS n FROM (SELECT * FROM ${m.relation} EXCEPT ALL SELECT * FROM (${sql}
))`);
      const missing = await ro.query(`SELECT count(*) AS n FROM (SELECT * FROM (${sql}
) EXCEPT ALL SELECT * FROM ${m.relation})`);
      expect({ mart: m.name, extra: Number(extra.rows[0]!.n), missing: Number(missing.rows[0]!.n) }).toEqual({ mart: m.name, extra: 0, missing: 0 });
      if (m.name === 'user_last_activity') expect(n).toBeGreaterThan(0);
    }
  } finally {
    ro.close();
  }
}

const publishedCount = async (sql: string): Promise<number> => Number((await queryPublished(published, sql))[0]!.n);

describe('marts at publish', () => {
  it('a load marks its tenant due; publish recomputes exactly the due tenants, once, and clears the marks', async () => {
    await loadBoth();
    expect(await due()).toEqual([OTHER, TENANT].sort());
    // Nothing computed yet in the working file: the loads only landed their days.
    expect(Number((await raw('SELECT count(*) AS n FROM user_last_activity'))[0]!.n)).toBe(0);

    const first = await publish(work, published);
    expect(first.martsTenants).toBe(2);
    expect(await due()).toEqual([]);
    await expectMartsMatchTheirModels();
    expect(await publishedCount(`SELECT count(DISTINCT tenant_id) AS n FROM user_last_activity`)).toBe(2);

    // Nothing changed since: the next publish recomputes nothing.
    expect((await publish(work, published)).martsTenants).toBe(0);
  });

  it('settings mark their tenant, prices every tenant; the published candidates follow', async () => {
    await loadBoth();
    await publish(work, published);
    const before = await publishedCount(`SELECT count(*) AS n FROM inactive_licensed_users WHERE tenant_id = '${TENANT}'`);

    await updateSettings(work, TENANT, { inactivityDays: 1, graceDays: 0 });
    expect(await due()).toEqual([TENANT]);
    expect((await publish(work, published)).martsTenants).toBe(1);
    const after = await publishedCount(`SELECT count(*) AS n FROM inactive_licensed_users WHERE tenant_id = '${TENANT}'`);
    expect(after).toBeGreaterThan(before);
    await expectMartsMatchTheirModels();

    await setPrice(work, { skuPartNumber: 'SPE_E5', monthly: '57.00', currency: 'USD', from: '2024-01-01', tenantId: TENANT });
    expect(await due()).toEqual([OTHER, TENANT].sort());
    expect((await publish(work, published)).martsTenants).toBe(2);
    await expectMartsMatchTheirModels();
  });

  it('a changed table model starts empty with every tenant due, and the next publish fills it', async () => {
    await loadBoth();
    await publish(work, published);
    // The same models with one table model's text changed (a comment is enough to change its hash).
    const dir = tempDir('models-');
    cpSync(MODELS_DIR, dir, { recursive: true });
    appendFileSync(path.join(dir, 'marts', 'activity_by_license.sql'), '\n-- changed\n');
    await withWriter(work, async (c) => {
      await c.run('BEGIN TRANSACTION');
      await createModels(c, historyRootFor(work), loadModels(dir));
      await c.run('COMMIT');
    });
    expect(await due()).toEqual([OTHER, TENANT].sort());
    expect(Number((await raw('SELECT count(*) AS n FROM activity_by_license'))[0]!.n)).toBe(0);

    expect(await withWriter(work, (c) => refreshDueMarts(c, historyRootFor(work)))).toBe(2);
    expect(Number((await raw('SELECT count(DISTINCT tenant_id) AS n FROM activity_by_license'))[0]!.n)).toBe(2);
    expect(await due()).toEqual([]);
  });

  it("a big tenant's per-user marts refreshed in slices of users give the same rows as in one piece", async () => {
    await loadBoth();
    // Slices of 2 users: the fixture tenant's 6 users in 3 slices, split at quantiles of their ids.
    expect(await withWriter(work, (c) => refreshDueMarts(c, historyRootFor(work), 2))).toBe(2);
    await withWriter(work, (c) => c.run('CHECKPOINT'));
    cpSync(work, published);
    await expectMartsMatchTheirModels();
  });
});
