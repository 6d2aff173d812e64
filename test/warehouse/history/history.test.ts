// The warehouse history as Parquet partitions: re-runs replace a day exactly, readers keep their snapshot,
// a writer killed between files and commit leaves nothing visible, retention, and the roster as of a past day.
// The days are the simulator's (test/support/simulated-days.ts), staged through the real extract path; every
// expectation is derived from what the simulator served that day.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeWarehouse, loadStagingDir, openReadOnly, publish, recordReclamationEvent } from '../../../src/warehouse/index';
import { simulatedDays, type SimulatedDay, type SimulatedTenant } from '../../support/simulated-days';
import { tempDir } from '../../support/staging-fixtures';
import { queryWarehouse } from '../../support/work-query';
import { bytesUnder, expectedChanges, filesUnder, reportRows, stagedAssignments, stagedRoster, withoutManifest, type RosterTable } from '../../support/history-readers';

// A small tenant with every kind of change each day (hires, leavers, licence changes, disabled accounts), and
// one with no churn at all, whose roster does not change from day to day.
const BUSY: SimulatedTenant = { seed: 41, users: 300, today: '2024-05-10', churn: { hiresPerDay: 0.01, leaversPerDay: 0.01, licenceChangesPerDay: 0.02, disabledPerDay: 0.01 } };
const QUIET: SimulatedTenant = {
  seed: 42,
  users: 120,
  today: '2024-05-10',
  churn: { hiresPerDay: 0, leaversPerDay: 0, licenceChangesPerDay: 0, disabledPerDay: 0, returnsPerDay: 0 },
};
let days: SimulatedDay[];
let quiet: SimulatedDay[];
let TENANT: string;
const dateOf = (n: number): string => days[n]!.snapshotDate;
const dirOf = (n: number): string => days[n]!.dir;

beforeAll(async () => {
  days = await simulatedDays(BUSY, [0, 1, 2, 3, 4, 5]);
  quiet = await simulatedDays(QUIET, [0, 1]);
  TENANT = days[0]!.tenantId;
}, 120_000);

let root: string;
let work: string;
let published: string;
let history: string;

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
  loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir, publishedPath: published, ...extra });

const rows = (sql: string, file = work) => queryWarehouse(work, sql, file);

const HISTORY_VIEWS = [
  'users',
  'license_assignments',
  'skus',
  'office365_active_user_detail',
  'email_activity_user_detail',
  'suspicious_activity',
  'service_activity',
  'users_changes',
  'license_assignments_changes',
  'snapshots',
];
const counts = async (file = work) =>
  Object.fromEntries(await Promise.all(HISTORY_VIEWS.map(async (t) => [t, Number((await rows(`SELECT count(*) AS n FROM ${t}`, file))[0]!.n)])));

const rosterOn = async (date: string, file = work, tenant = TENANT) =>
  (await rows(`SELECT user_id || ':' || account_enabled AS u FROM users_as_of(DATE '${date}') WHERE tenant_id = '${tenant}' ORDER BY 1`, file)).map((r) => r.u);
const assignmentsOn = async (date: string, file = work) =>
  (
    await rows(
      `SELECT user_id || ':' || sku_id || ':' || coalesce(assigned_by_group, '') AS a FROM license_assignments_as_of(DATE '${date}') WHERE tenant_id = '${TENANT}' ORDER BY 1`,
      file,
    )
  ).map((r) => r.a);

/** The changes the warehouse stored for a roster table on a day: sorted "key:change" strings, as expectedChanges. */
const KEYS: Record<RosterTable, string> = {
  users: 'user_id',
  license_assignments: "user_id || ':' || sku_id || ':' || coalesce(assigned_by_group, '')",
  skus: 'sku_id',
  sign_ins: 'user_id',
};
const storedChanges = async (table: RosterTable, date: string, tenant = TENANT) =>
  (await rows(`SELECT ${KEYS[table]} || ':' || change AS c FROM ${table}_changes WHERE tenant_id = '${tenant}' AND snapshot_date = '${date}' ORDER BY 1`)).map((r) => r.c);

/** Part files per partition directory of the tenant (a re-run must leave exactly one current file per day). */
const partFiles = (table: string, date: string): string[] => {
  const dir = path.join(history, table, `tenant_id=${TENANT}`, `snapshot_date=${date}`);
  return existsSync(dir) ? readdirSync(dir) : [];
};

// These tenants' app has no AuditLog.Read.All: no sign-ins (sign-ins.test.ts covers them).
const ROSTER_TABLES: RosterTable[] = ['users', 'license_assignments', 'skus'];
const REPORT_TABLES = ['email_activity_user_detail', 'office365_active_user_detail', 'suspicious_activity'];

describe('history partitions', () => {
  it('writes the Hive layout: roster changes only, reports as sent', async () => {
    await load(dirOf(0));
    await load(dirOf(1));
    await load(quiet[0]!.dir);
    await load(quiet[1]!.dir);
    // The first day holds the whole roster; a later day a file only for a roster table that changed.
    const expectedFiles = (d: SimulatedDay[]) =>
      [
        ...REPORT_TABLES.flatMap((t) => d.map((x) => `${t}/tenant_id=${x.tenantId}/snapshot_date=${x.snapshotDate}/part-*.parquet`)),
        ...ROSTER_TABLES.flatMap((t) =>
          d
            .filter((x, n) => n === 0 || expectedChanges(d[n - 1]!.dir, x.dir, t).length > 0)
            .map((x) => `${t}/tenant_id=${x.tenantId}/snapshot_date=${x.snapshotDate}/part-*.parquet`),
        ),
      ].sort();
    const busy = expectedFiles(days.slice(0, 2));
    const still = expectedFiles(quiet);
    // Every roster table changed on the busy day; none on the quiet day, which adds report files only.
    expect(busy.filter((f) => f.includes(dateOf(1)))).toHaveLength(6);
    expect(still.filter((f) => f.includes(quiet[1]!.snapshotDate))).toHaveLength(3);
    const files = [...filesUnder(history).keys()].filter((f) => !f.includes('tenant_id=_/')).sort();
    expect(files.map((f) => f.replace(/part-[a-z0-9-]+\.parquet$/, 'part-*.parquet'))).toEqual([...busy, ...still].sort());
    // Day 1 stores the changes only: hires and changed users as upserts, leavers as tombstones; licences likewise.
    for (const t of ROSTER_TABLES) expect(await storedChanges(t, dateOf(1)), t).toEqual(expectedChanges(dirOf(0), dirOf(1), t));
    const users = expectedChanges(dirOf(0), dirOf(1), 'users');
    expect(users.filter((c) => c.endsWith(':delete')).length).toBeGreaterThan(0);
    expect(users.filter((c) => c.endsWith(':upsert')).length).toBeGreaterThan(0);
    expect(users.length).toBeLessThan(stagedRoster(dirOf(1)).length / 10);
    expect(expectedChanges(dirOf(0), dirOf(1), 'license_assignments').length).toBeGreaterThan(0);
    // Any engine reads the partitions: plain read_parquet with Hive partitioning sees the same rows.
    const direct = await rows(`SELECT count(*)::INT AS n FROM read_parquet('${history}/office365_active_user_detail/tenant_id=${TENANT}/*/*.parquet', hive_partitioning = true)`);
    expect(direct).toEqual([{ n: reportRows(dirOf(0), 'getOffice365ActiveUserDetail').length + reportRows(dirOf(1), 'getOffice365ActiveUserDetail').length }]);
  });

  it('the roster as of a past day equals what was loaded that day, in any load order', async () => {
    for (const n of [2, 0, 3, 1]) await load(dirOf(n));
    for (const n of [0, 1, 2, 3]) {
      const expected = stagedRoster(dirOf(n));
      expect(await rosterOn(dateOf(n))).toEqual(expected);
      expect((await rows(`SELECT user_id || ':' || account_enabled AS u FROM users WHERE snapshot_date = '${dateOf(n)}' ORDER BY 1`)).map((r) => r.u)).toEqual(expected);
      // Licences follow.
      expect(await assignmentsOn(dateOf(n))).toEqual(stagedAssignments(dirOf(n)));
    }
    // A date after the loads shows the last loaded roster before it.
    expect(await rosterOn('2024-06-30')).toEqual(stagedRoster(dirOf(3)));
    // A leaver of day 1: one version, valid from day 0 until day 1.
    const leaver = expectedChanges(dirOf(0), dirOf(1), 'users')
      .find((c) => c.endsWith(':delete'))!
      .split(':')[0];
    expect(await rows(`SELECT user_id, valid_from::VARCHAR AS f, valid_to::VARCHAR AS t FROM users_history WHERE user_id = '${leaver}'`)).toEqual([
      { user_id: leaver, f: dateOf(0), t: dateOf(1) },
    ]);
    // The current state is the newest day's, whatever the order of the loads.
    expect((await rows(`SELECT user_id FROM current_users ORDER BY 1`)).map((r) => r.user_id)).toEqual(stagedRoster(dirOf(3)).map((u) => u.split(':')[0]));
  });

  it('re-running a day replaces it exactly: same answers, and the files do not grow', async () => {
    await load(dirOf(0));
    await load(dirOf(1));
    await publish(work, published);
    const before = await counts(published);
    const rerun = async () => {
      await load(dirOf(1));
      await publish(work, published);
    };
    await rerun();
    expect(await counts(published)).toEqual(before);
    await rerun();
    const settled = bytesUnder(history);
    expect(await counts(published)).toEqual(before);
    // The superseded generation stays one load (for readers of the previous file), then goes: steady size.
    for (const t of ['users', 'office365_active_user_detail']) expect(partFiles(t, dateOf(1))).toHaveLength(2);
    const settledFiles = filesUnder(history).size;
    await rerun();
    // Same number of files, same size give or take row order inside a file (writes are parallel).
    expect(filesUnder(history).size).toBe(settledFiles);
    expect(Math.abs(bytesUnder(history) - settled)).toBeLessThan(settled * 0.01);
    expect(await counts(published)).toEqual(before);
    // And the answers are the day's: its roster, its changes, its report rows.
    expect(await rosterOn(dateOf(1), published)).toEqual(stagedRoster(dirOf(1)));
    expect(await storedChanges('users', dateOf(1))).toEqual(expectedChanges(dirOf(0), dirOf(1), 'users'));
    expect(await rows(`SELECT count(*)::INT AS n FROM office365_active_user_detail WHERE snapshot_date = '${dateOf(1)}'`, published)).toEqual([
      { n: reportRows(dirOf(1), 'getOffice365ActiveUserDetail').length },
    ]);
    // The older day was never rewritten.
    expect(partFiles('users', dateOf(0))).toHaveLength(1);
  });

  it('retention keeps exactly the newest days, never runs or reclamations; pruned files go at the next load', async () => {
    // Retention counts back from the wall clock: each day is loaded with the clock set to that day.
    const loadOnItsDay = async (n: number) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(`${dateOf(n)}T12:00:00Z`));
      try {
        await load(dirOf(n), { historyDays: 2 });
      } finally {
        vi.useRealTimers();
      }
    };
    for (const n of [0, 1, 2, 3]) await loadOnItsDay(n);
    const someone = stagedRoster(dirOf(0))[0]!.split(':')[0]!;
    await recordReclamationEvent(work, { workflowId: 'w1', tenantId: TENANT, userId: someone, event: 'requested', at: '2024-05-01T00:00:00Z' });
    expect((await rows(`SELECT snapshot_date::VARCHAR AS d FROM snapshots ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(2), dateOf(3)]);
    expect((await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS d FROM users ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(2), dateOf(3)]);
    expect((await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS d FROM office365_active_user_detail ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(2), dateOf(3)]);
    // Day 2 became the roster's base: its roster and licences are still whole.
    expect(await rosterOn(dateOf(2))).toEqual(stagedRoster(dirOf(2)));
    expect(await assignmentsOn(dateOf(2))).toEqual(stagedAssignments(dirOf(2)));
    expect(await rows(`SELECT count(*)::INT AS n FROM runs`)).toEqual([{ n: 4 }]);
    // The next load collects the pruned files (and prunes one more day).
    await loadOnItsDay(4);
    for (const n of [0, 1]) expect(partFiles('office365_active_user_detail', dateOf(n))).toEqual([]);
    // Day 2 was cut by this load: its files stay for readers of the previous published file, until the next load.
    expect(partFiles('office365_active_user_detail', dateOf(2))).toHaveLength(1);
    expect((await rows(`SELECT snapshot_date::VARCHAR AS d FROM snapshots ORDER BY 1`)).map((r) => r.d)).toEqual([dateOf(3), dateOf(4)]);
    expect(await rosterOn(dateOf(3))).toEqual(stagedRoster(dirOf(3)));
    expect(await rosterOn(dateOf(4))).toEqual(stagedRoster(dirOf(4)));
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

  function startReader(file: string, sql: string, cwd = path.resolve(import.meta.dirname, '../../..')) {
    const child = spawn(process.execPath, ['--import', tsx, path.join(import.meta.dirname, '../../support/reader-process.ts'), file, 'ro', sql], { cwd });
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
    await load(dirOf(0));
    await publish(work, published);
    const sql = `SELECT string_agg(DISTINCT snapshot_date::VARCHAR, ',' ORDER BY snapshot_date::VARCHAR), count(*)::INT,
      (SELECT count(*)::INT FROM users_as_of(DATE '${dateOf(0)}') WHERE account_enabled) FROM users`;
    const enabled = (dir: string) => stagedRoster(dir).filter((u) => u.endsWith(':true')).length;
    const reader = startReader(published, sql, '/');
    expect(await reader.next()).toEqual([[dateOf(0), stagedRoster(dirOf(0)).length, enabled(dirOf(0))]]);

    await load(dirOf(1));
    await publish(work, published);
    // Day 0 again, with day 2's roster (as `import --date` would load it): a new generation of day 0's files.
    const rerun = withoutManifest(dirOf(2));
    try {
      await load(rerun, { tenantId: TENANT, snapshotDate: dateOf(0), runId: 'rerun' });
    } finally {
      rmSync(rerun, { recursive: true, force: true });
    }
    await publish(work, published);
    expect(enabled(dirOf(2))).not.toBe(enabled(dirOf(0)));

    reader.ask();
    expect(await reader.next()).toEqual([[dateOf(0), stagedRoster(dirOf(0)).length, enabled(dirOf(0))]]);
    const fresh = startReader(published, sql, '/');
    expect(await fresh.next()).toEqual([[`${dateOf(0)},${dateOf(1)}`, stagedRoster(dirOf(2)).length + stagedRoster(dirOf(1)).length, enabled(dirOf(2))]]);
  });

  it('a writer killed between writing partitions and committing leaves no half day; the rerun completes it', async () => {
    await load(dirOf(0));
    await publish(work, published);
    await closeWarehouse();
    const before = await counts(published);
    const day1 = dirOf(1);
    for (const step of ['write partitions', 'retention']) {
      const child = spawn(process.execPath, ['--import', tsx, path.join(import.meta.dirname, '../../support/crash-writer.ts'), work, day1, step]);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const signal = await new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
      expect(signal, out).toBe('SIGKILL');
      // Files of day 1 exist on disk, but the published file shows none of them.
      expect(partFiles('office365_active_user_detail', dateOf(1)).length).toBeGreaterThan(0);
      expect(await counts(published)).toEqual(before);
    }
    // Killed after its commit: the working database has day 1, the published file does not yet.
    expect(await rows(`SELECT count(*)::INT AS n FROM snapshots WHERE snapshot_date = '${dateOf(1)}'`)).toEqual([{ n: 1 }]);
    const r = await load(day1);
    await publish(work, published);
    expect(r.counts.users).toBe(stagedRoster(day1).length);
    expect(await rosterOn(dateOf(1), published)).toEqual(stagedRoster(day1));
    expect(await rows(`SELECT count(*)::INT AS n FROM office365_active_user_detail WHERE snapshot_date = '${dateOf(1)}'`, published)).toEqual([
      { n: reportRows(day1, 'getOffice365ActiveUserDetail').length },
    ]);
    // The crashed load's orphan files were collected; what remains is the current file and the one the old
    // published file named.
    expect(partFiles('office365_active_user_detail', dateOf(1)).length).toBeLessThanOrEqual(2);
    expect(existsSync(path.join(history, '.incoming')) ? readdirSync(path.join(history, '.incoming')) : []).toEqual([]);
  });

  it("the analysts' checked read-only query reads the history (only the history directory) and the as-of macros", async () => {
    await load(dirOf(0));
    await load(dirOf(1));
    await publish(work, published);
    const { runReadOnlyQuery } = await import('../../../src/warehouse/query/readonly-query');
    const r = await runReadOnlyQuery(published, `SELECT count(*)::INT AS n FROM users_as_of(DATE '${dateOf(1)}')`);
    expect(r.rows).toEqual([{ n: stagedRoster(dirOf(1)).length }]);
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
    for (const n of [0, 1, 2, 3, 4, 5]) {
      await load(dirOf(n));
      await publish(work, published);
      sizes.push(statSync(published).size);
    }
    expect(sizes[5]!).toBeLessThanOrEqual(sizes[1]! * 1.2);
  });
});
