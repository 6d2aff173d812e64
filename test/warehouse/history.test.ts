// The warehouse history as Parquet partitions: re-runs replace a day exactly, readers keep their snapshot,
// a writer killed between files and commit leaves nothing visible, retention, and the roster as of a past day.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, openReadOnly, publish, recordReclamationEvent, withWriter } from '../../src/warehouse/index';
import { TENANT, tempDir } from './fixtures';
import { bytesUnder, dateOf, day, filesUnder, stagedRoster } from './history-fixtures';

let root: string;
let work: string;
let published: string;
let history: string;
const stagingRoot = () => path.join(root, 'staging', TENANT);

beforeEach(() => {
  root = tempDir('wh-history-');
  work = path.join(root, 'work', 'm365.duckdb');
  published = path.join(root, 'm365.duckdb');
  history = path.join(root, 'history');
});
afterEach(async () => {
  await closeWarehouse();
});

const load = (dir: string, extra: Partial<Parameters<typeof loadStagingDir>[0]> = {}) =>
  loadStagingDir({ workDbPath: work, stagingDir: dir, publishedPath: published, ...extra });

async function rows(sql: string, file = work): Promise<Record<string, unknown>[]> {
  if (file === work) return withWriter(work, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
  const ro = await openReadOnly(file);
  try {
    return (await ro.query(sql)).rows;
  } finally {
    ro.close();
  }
}

const HISTORY_VIEWS = ['users', 'license_assignments', 'skus', 'office365_active_user_detail', 'email_activity_user_detail', 'suspicious_activity',
  'service_activity', 'users_changes', 'license_assignments_changes', 'snapshots'];
const counts = async (file = work) =>
  Object.fromEntries(await Promise.all(HISTORY_VIEWS.map(async (t) => [t, Number((await rows(`SELECT count(*) AS n FROM ${t}`, file))[0]!.n)])));

const rosterOn = async (date: string, file = work) =>
  (await rows(`SELECT user_id || ':' || account_enabled AS u FROM users_as_of(DATE '${date}') ORDER BY 1`, file)).map((r) => r.u);

/** Part files per partition directory of the tenant (a re-run must leave exactly one current file per day). */
const partFiles = (table: string, date: string): string[] => {
  const dir = path.join(history, table, `tenant_id=${TENANT}`, `snapshot_date=${date}`);
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('history partitions', () => {
  it('writes the Hive layout: roster changes only, reports as sent', async () => {
    await load(day(stagingRoot(), 1));
    await load(day(stagingRoot(), 2));
    const files = [...filesUnder(history).keys()].filter((f) => !f.includes('tenant_id=_/')).sort();
    expect(files.map((f) => f.replace(/part-[a-z0-9-]+\.parquet$/, 'part-*.parquet'))).toEqual(
      [
        ...['email_activity_user_detail', 'license_assignments', 'office365_active_user_detail', 'skus', 'suspicious_activity', 'users'].flatMap((t) =>
          [1, 2].map((n) => `${t}/tenant_id=${TENANT}/snapshot_date=${dateOf(n)}/part-*.parquet`),
        ),
      ]
        // SKUs did not change on day 2: no file.
        .filter((f) => !f.startsWith(`skus/tenant_id=${TENANT}/snapshot_date=${dateOf(2)}`))
        .sort(),
    );
    // Day 2 stores the changes: one hire, one leaver (tombstone), bob's new licence row and the old one's tombstone.
    expect(await rows(`SELECT user_id, change FROM users_changes WHERE snapshot_date = '${dateOf(2)}' ORDER BY 1`)).toEqual([
      { user_id: 'u-dave', change: 'delete' },
      { user_id: 'u-new1', change: 'upsert' },
    ]);
    expect(await rows(`SELECT user_id, sku_id, change FROM license_assignments_changes WHERE snapshot_date = '${dateOf(2)}' ORDER BY 1, 3`)).toEqual([
      { user_id: 'u-bob', sku_id: expect.any(String), change: 'delete' },
      { user_id: 'u-bob', sku_id: expect.any(String), change: 'upsert' },
      { user_id: 'u-dave', sku_id: expect.any(String), change: 'delete' },
      { user_id: 'u-new1', sku_id: expect.any(String), change: 'upsert' },
    ]);
    // Any engine reads the partitions: plain read_parquet with Hive partitioning sees the same rows.
    const direct = await rows(`SELECT count(*)::INT AS n FROM read_parquet('${history}/office365_active_user_detail/tenant_id=${TENANT}/*/*.parquet', hive_partitioning = true)`);
    expect(direct).toEqual([{ n: 16 }]);
  });

  it('the roster as of a past day equals what was loaded that day, in any load order', async () => {
    const dirs = [1, 2, 3, 4].map((n) => day(stagingRoot(), n));
    for (const n of [3, 1, 4, 2]) await load(dirs[n - 1]!);
    for (const n of [1, 2, 3, 4]) {
      const expected = stagedRoster(dirs[n - 1]!);
      expect(await rosterOn(dateOf(n))).toEqual(expected);
      expect((await rows(`SELECT user_id || ':' || account_enabled AS u FROM users WHERE snapshot_date = '${dateOf(n)}' ORDER BY 1`)).map((r) => r.u)).toEqual(expected);
    }
    // A date between loads shows the last loaded roster before it; licences follow.
    expect(await rosterOn('2024-06-30')).toEqual(stagedRoster(dirs[3]!));
    expect(await rows(`SELECT user_id, sku_id FROM license_assignments_as_of(DATE '${dateOf(1)}') WHERE user_id IN ('u-bob', 'u-dave') ORDER BY 1`)).toEqual([
      { user_id: 'u-bob', sku_id: '05e9a617-0261-4cee-bb44-138d3ef5d965' },
      { user_id: 'u-dave', sku_id: '05e9a617-0261-4cee-bb44-138d3ef5d965' },
    ]);
    expect(await rows(`SELECT user_id, valid_from::VARCHAR AS f, valid_to::VARCHAR AS t FROM users_history WHERE user_id = 'u-dave'`)).toEqual([
      { user_id: 'u-dave', f: dateOf(1), t: dateOf(2) },
    ]);
    // The current state is the newest day's, whatever the order of the loads.
    expect((await rows(`SELECT user_id FROM current_users ORDER BY 1`)).map((r) => r.user_id)).toEqual(stagedRoster(dirs[3]!).map((u) => u.split(':')[0]));
  });

  it('re-running a day replaces it exactly: same answers, and the files do not grow', async () => {
    await load(day(stagingRoot(), 1));
    const day2 = day(stagingRoot(), 2);
    await load(day2);
    await publish(work, published);
    const before = await counts(published);
    const rerun = async () => {
      await load(day2);
      await publish(work, published);
    };
    await rerun();
    expect(await counts(published)).toEqual(before);
    await rerun();
    const settled = bytesUnder(history);
    expect(await counts(published)).toEqual(before);
    // The superseded generation stays one load (for readers of the previous file), then goes: steady size.
    for (const t of ['users', 'office365_active_user_detail']) expect(partFiles(t, dateOf(2))).toHaveLength(2);
    const settledFiles = filesUnder(history).size;
    await rerun();
    // Same number of files, same size give or take row order inside a file (writes are parallel).
    expect(filesUnder(history).size).toBe(settledFiles);
    expect(Math.abs(bytesUnder(history) - settled)).toBeLessThan(settled * 0.01);
    expect(await counts(published)).toEqual(before);
    // The older day was never rewritten.
    expect(partFiles('users', dateOf(1))).toHaveLength(1);
  });

  it('retention keeps exactly the newest days, never runs or reclamations; pruned files go at the next load', async () => {
    for (const n of [1, 2, 3, 4]) await load(day(stagingRoot(), n), { historyDays: 2 });
    await recordReclamationEvent(work, { workflowId: 'w1', tenantId: TENANT, userId: 'u-bob', event: 'requested', at: '2024-05-01T00:00:00Z' });
    expect((await rows(`SELECT snapshot_date::VARCHAR AS d FROM snapshots ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(3), dateOf(4)]);
    expect((await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS d FROM users ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(3), dateOf(4)]);
    expect((await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS d FROM office365_active_user_detail ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(3), dateOf(4)]);
    // Day 3 became the roster's base: its roster is still whole.
    expect(await rosterOn(dateOf(3))).toEqual(stagedRoster(day(stagingRoot(), 3, { runId: 'check' })));
    expect(await rows(`SELECT count(*)::INT AS n FROM runs`)).toEqual([{ n: 4 }]);
    // The next load collects the pruned files (and prunes one more day).
    await load(day(stagingRoot(), 5), { historyDays: 2 });
    for (const n of [1, 2]) expect(partFiles('office365_active_user_detail', dateOf(n))).toEqual([]);
    // Day 3 was cut by this load: its files stay for readers of the previous published file, until the next load.
    expect(partFiles('office365_active_user_detail', dateOf(3))).toHaveLength(1);
    expect((await rows(`SELECT snapshot_date::VARCHAR AS d FROM snapshots ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(4), dateOf(5)]);
    expect(await rosterOn(dateOf(4))).toEqual(stagedRoster(day(stagingRoot(), 4, { runId: 'check' })));
    expect(await rows(`SELECT count(*)::INT AS n FROM reclamations`)).toEqual([{ n: 1 }]);
    expect(await rows(`SELECT count(*)::INT AS n FROM runs`)).toEqual([{ n: 5 }]);
  });
});

describe('readers and crashes', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });
  const tsx = import.meta.resolve('tsx');

  function startReader(file: string, sql: string, cwd = path.resolve(import.meta.dirname, '../..')) {
    const child = spawn(process.execPath, ['--import', tsx, path.join(import.meta.dirname, 'reader-process.ts'), file, 'ro', sql], { cwd });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<unknown> => {
      const r = await lines.next();
      if (r.done) throw new Error(`reader exited: ${stderr}`);
      return JSON.parse(r.value);
    };
    return { next, ask: () => child.stdin.write('again\n') };
  }

  it('a reader holding the published file (from another directory) keeps its snapshot through a load and a re-run', async () => {
    await load(day(stagingRoot(), 1));
    await publish(work, published);
    const sql = `SELECT string_agg(DISTINCT snapshot_date::VARCHAR, ',' ORDER BY snapshot_date::VARCHAR), count(*)::INT,
      (SELECT count(*)::INT FROM users_as_of(DATE '${dateOf(1)}') WHERE account_enabled) FROM users`;
    const reader = startReader(published, sql, '/');
    expect(await reader.next()).toEqual([[dateOf(1), 6, 5]]);

    await load(day(stagingRoot(), 2));
    await publish(work, published);
    // Day 1 again, with carol enabled: a new generation of day 1's files.
    await load(day(stagingRoot(), 3, { snapshotDate: dateOf(1), runId: 'rerun' }));
    await publish(work, published);

    reader.ask();
    expect(await reader.next()).toEqual([[dateOf(1), 6, 5]]);
    const fresh = startReader(published, sql, '/');
    expect(await fresh.next()).toEqual([[`${dateOf(1)},${dateOf(2)}`, 7 + 6, 7]]);
  });

  it('a writer killed between writing partitions and committing leaves no half day; the rerun completes it', async () => {
    await load(day(stagingRoot(), 1));
    await publish(work, published);
    await closeWarehouse();
    const before = await counts(published);
    const day2 = day(stagingRoot(), 2);
    for (const step of ['write partitions', 'retention']) {
      const child = spawn(process.execPath, ['--import', tsx, path.join(import.meta.dirname, 'crash-writer.ts'), work, day2, step]);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const signal = await new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
      expect(signal, out).toBe('SIGKILL');
      // Files of day 2 exist on disk, but the published file shows none of them.
      expect(partFiles('office365_active_user_detail', dateOf(2)).length).toBeGreaterThan(0);
      expect(await counts(published)).toEqual(before);
    }
    // Killed after its commit: the working database has day 2, the published file does not yet.
    expect(await rows(`SELECT count(*)::INT AS n FROM snapshots WHERE snapshot_date = '${dateOf(2)}'`)).toEqual([{ n: 1 }]);
    const r = await load(day2);
    await publish(work, published);
    expect(r.counts.users).toBe(6);
    expect(await rosterOn(dateOf(2), published)).toEqual(stagedRoster(day2));
    expect(await rows(`SELECT count(*)::INT AS n FROM office365_active_user_detail WHERE snapshot_date = '${dateOf(2)}'`, published)).toEqual([{ n: 8 }]);
    // The crashed load's orphan files were collected; what remains is the current file and the one the old
    // published file named.
    expect(partFiles('office365_active_user_detail', dateOf(2)).length).toBeLessThanOrEqual(2);
    expect(existsSync(path.join(history, '.incoming')) ? readdirSync(path.join(history, '.incoming')) : []).toEqual([]);
  });

  it('the analysts\' checked read-only query reads the history (only the history directory) and the as-of macros', async () => {
    await load(day(stagingRoot(), 1));
    await load(day(stagingRoot(), 2));
    await publish(work, published);
    const { runReadOnlyQuery } = await import('../../src/warehouse/readonly-query');
    const r = await runReadOnlyQuery(published, `SELECT count(*)::INT AS n FROM users_as_of(DATE '${dateOf(2)}')`);
    expect(r.rows).toEqual([{ n: 6 }]);
    expect((await runReadOnlyQuery(published, `SELECT count(DISTINCT snapshot_date)::INT AS n FROM service_activity`)).rows).toEqual([{ n: 2 }]);
    // Reading the partitions directly, or any other file, stays refused.
    await expect(runReadOnlyQuery(published, `SELECT * FROM read_parquet('${history}/users/*/*/*.parquet')`)).rejects.toThrow(/not allowed/);
    const ro = await openReadOnly(published);
    try {
      await expect(ro.query(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toThrow(/disabled by configuration|Permission/);
      await expect(ro.query(`SET enable_external_access = true`)).rejects.toThrow();
    } finally {
      ro.close();
    }
  });

  it('the published file does not grow with history', async () => {
    const sizes: number[] = [];
    for (const n of [1, 2, 3, 4, 5, 6]) {
      await load(day(stagingRoot(), n));
      await publish(work, published);
      sizes.push(statSync(published).size);
    }
    expect(sizes[5]!).toBeLessThanOrEqual(sizes[1]! * 1.2);
  });
});
