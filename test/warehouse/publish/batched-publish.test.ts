// Loads that reach the writer together share publishes: each load, once committed, waits for a publish that began
// after its commit, and is visible in the published file when that wait ends. Loads still commit one at a time.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, publishCovering } from '../../../src/warehouse/index';
import { TENANT, warehouseFiles, writeStaging } from '../../support/staging-fixtures';
import { queryPublished } from '../../support/work-query';

let root: string;
let work: string;
let published: string;
beforeEach(() => ({ root, work, published } = warehouseFiles()));
afterEach(() => closeWarehouse());

const days = (n: number) => Array.from({ length: n }, (_, i) => `2024-05-${String(10 + i).padStart(2, '0')}`);

describe('batched publishes', () => {
  it('eight loads arriving together are all published, by fewer publishes, each visible when its wait ends', async () => {
    const dates = days(8);
    const dirs = dates.map((d) => writeStaging(path.join(root, 'staging', TENANT), { snapshotDate: d, refreshDate: d }));
    const seenAtResolve: Record<string, string[]> = {};
    const results = await Promise.all(
      dirs.map(async (stagingDir, i) => {
        const loaded = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir });
        const p = await publishCovering(work, published);
        // Read at once: the run this wait covered must already be what analysts see.
        const rows = await queryPublished(published, `SELECT run_id FROM runs WHERE status = 'succeeded' ORDER BY run_id`);
        seenAtResolve[dates[i]!] = rows.map((r) => String(r.run_id));
        return { runId: loaded.runId, ...p };
      }),
    );
    for (const r of results) expect(seenAtResolve[r.runId.replace('run-', '')]).toContain(r.runId);
    const publishes = Math.max(...results.map((r) => r.runs));
    expect(publishes).toBeLessThan(dates.length);
    expect(publishes).toBeGreaterThanOrEqual(1);
    // One caller per publish is marked first, and the served counts add up to every load.
    const firsts = results.filter((r) => r.first);
    expect(firsts).toHaveLength(publishes);
    expect(firsts.reduce((n, r) => n + r.served, 0)).toBe(dates.length);
    const all = await queryPublished(published, `SELECT count(*)::INTEGER n FROM runs WHERE status = 'succeeded'`);
    expect(all[0]!.n).toBe(dates.length);
  });
});
