// A snapshot dated in the future would become the newest day and push every real day out of the history. Refused by
// the CLI (exit 2), by the activities (a workflow input is anyone's to write) and by the load itself; retention counts
// back from the wall clock; the re-check refuses a future snapshot; a warehouse that already holds one is reported,
// and `drop-future-snapshots` removes it.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createReclaimActivities, type UserInspection } from '../../src/activities/reclaim/licences';
import { createRunFileActivities } from '../../src/activities/run-files';
import { createExtractActivities } from '../../src/activities/extract';
import type { GraphFactory } from '../../src/activities/graph-context';
import { closeWarehouse, loadStagingDir, publish, StagingError, withWriter } from '../../src/warehouse';
import { TENANT, tempDir, writeStaging } from '../support/staging-fixtures';
import { daysBefore, todayUtc } from '../support/dates';
import { cli } from '../support/security-helpers';

const FUTURE = daysBefore(todayUtc(), -30);
afterAll(() => closeWarehouse());
afterEach(() => vi.useRealTimers());

/** A Graph that must not be called: the date check comes first. */
const noGraph: GraphFactory = () => {
  throw new Error('Graph was called');
};

const snapshots = async (work: string) =>
  withWriter(work, async (c) =>
    (await c.runAndReadAll(`SELECT snapshot_date::VARCHAR FROM snapshots WHERE tenant_id = '${TENANT}' ORDER BY 1`)).getRowsJson().map((r) => String(r[0])),
  );

/** What an older version let in: the day loaded with the clock set to it. */
async function loadAsIfThen(work: string, dir: string, day: string): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(`${day}T12:00:00Z`));
  try {
    await loadStagingDir({ workDbPath: work, stagingDir: dir, historyDays: 0 });
  } finally {
    vi.useRealTimers();
  }
}

describe('future snapshot dates', () => {
  it('run --date and import --date beyond tomorrow (UTC) are usage errors (exit 2); tomorrow itself is accepted', async () => {
    for (const args of [
      ['run', '--date', '2099-12-31'],
      ['run', '--date', FUTURE],
      ['import', '--from', tempDir('fd-'), '--date', FUTURE],
    ]) {
      const r = await cli(args, { M365_DATA_DIR: tempDir('fd-data-') });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--date \d{4}-\d{2}-\d{2} is in the future \(today is \d{4}-\d{2}-\d{2} UTC; the latest day accepted is /);
    }
    // Tomorrow passes the date check (a tenant east of UTC); it then fails for want of a tenant, not the date.
    const r = await cli(['run', '--date', daysBefore(todayUtc(), -1)], { M365_DATA_DIR: tempDir('fd-data-') });
    expect(r.stderr).not.toMatch(/in the future/);
  });

  it('the activities refuse a workflow input naming a future day, before any Graph call or file', async () => {
    const dataDir = tempDir('fd-act-');
    const env = new MockActivityEnvironment();
    const pre = await env
      .run(createExtractActivities({ dataDir, graphFor: noGraph }).preflight, { tenantId: TENANT, needReclaim: false, snapshotDate: FUTURE })
      .catch((e: unknown) => e);
    expect(pre).toBeInstanceOf(StagingError);
    expect((pre as Error).message).toMatch(/snapshot date .* is in the future/);
    const staged = { path: path.join(dataDir, 'x'), count: 0, bytes: 0, sha256: '0'.repeat(64) };
    const manifest = await env
      .run(createRunFileActivities({ dataDir }).writeManifest, {
        tenantId: TENANT,
        runId: 'r1',
        snapshotDate: FUTURE,
        startedAt: new Date().toISOString(),
        users: staged,
        skus: staged,
        reports: [],
        reportSettings: null,
      })
      .catch((e: unknown) => e);
    expect(manifest).toBeInstanceOf(StagingError);
    expect(existsSync(path.join(dataDir, 'staging'))).toBe(false);
  });

  it('the load refuses a future manifest date and a day retention would prune at once; nothing is written', async () => {
    const root = tempDir('fd-load-');
    const work = path.join(root, 'work', 'm365.duckdb');
    const future = await loadStagingDir({ workDbPath: work, stagingDir: writeStaging(path.join(root, 's'), { snapshotDate: FUTURE }) }).catch((e: unknown) => e);
    expect(future).toBeInstanceOf(StagingError);
    expect((future as Error).message).toMatch(/staging manifest's snapshot date .* is in the future/);
    const old = daysBefore(todayUtc(), 40);
    const tooOld = await loadStagingDir({ workDbPath: work, stagingDir: writeStaging(path.join(root, 's'), { snapshotDate: old }), historyDays: 30 }).catch((e: unknown) => e);
    expect(tooOld).toBeInstanceOf(StagingError);
    expect((tooOld as Error).message).toMatch(/older than the history kept \(M365_HISTORY_DAYS=30/);
    expect(existsSync(work)).toBe(false);
  });

  it('retention counts from the wall clock: a future day in the warehouse prunes no real day; publish names it and the command that removes it', async () => {
    const root = tempDir('fd-ret-');
    const data = path.join(root, 'data');
    const work = path.join(data, 'work', 'm365.duckdb');
    const published = path.join(data, 'm365.duckdb');
    const days = [daysBefore(todayUtc(), 3), daysBefore(todayUtc(), 2), daysBefore(todayUtc(), 1)];
    for (const d of days) await loadStagingDir({ workDbPath: work, stagingDir: writeStaging(path.join(root, 's'), { snapshotDate: d }), historyDays: 0 });
    await loadStagingDir({ workDbPath: work, stagingDir: writeStaging(path.join(root, 's'), { snapshotDate: todayUtc() }), historyDays: 2 });
    // Two days back from today: the days two and three days ago are gone.
    expect(await snapshots(work)).toEqual([days[2], todayUtc()]);
    await loadAsIfThen(work, writeStaging(path.join(root, 's'), { snapshotDate: '2099-12-31' }), '2099-12-31');
    expect(await snapshots(work)).toEqual([days[2], todayUtc(), '2099-12-31']);
    // Today's load again, with the default retention: every real day stays (counted from the newest snapshot, all would go).
    await loadStagingDir({ workDbPath: work, stagingDir: writeStaging(path.join(root, 's'), { snapshotDate: todayUtc() }), historyDays: 730 });
    expect(await snapshots(work)).toEqual([days[2], todayUtc(), '2099-12-31']);
    await publish(work, published);
    await closeWarehouse();

    const env = { M365_DATA_DIR: data };
    const pub = await cli(['publish'], env);
    expect(pub.code).toBe(0);
    expect(pub.stderr).toContain(`warning: tenant ${TENANT} holds snapshot dated after today (2099-12-31)`);
    expect(pub.stderr).toContain(`m365-license drop-future-snapshots --tenant ${TENANT} --apply`);

    // Without --apply nothing changes; with it, the future day goes and today's is the newest again.
    const dry = await cli(['drop-future-snapshots', '--tenant', TENANT], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/2099-12-31\. Nothing was changed/);
    expect(await snapshots(work)).toContain('2099-12-31');
    await closeWarehouse();
    const applied = await cli(['drop-future-snapshots', '--tenant', TENANT, '--apply'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Removed tenant');
    const again = await cli(['publish'], env);
    expect(again.stderr).not.toMatch(/warning/);
    const latest = await cli(['query', `SELECT snapshot_date::VARCHAR AS d FROM latest_snapshot WHERE tenant_id = '${TENANT}'`, '--format', 'json'], env);
    expect(latest.stdout).toContain(todayUtc());
    expect(latest.stdout).not.toContain('2099');
    // The roster analysts see is the newest real day's again.
    const users = await cli(['query', `SELECT max(snapshot_date)::VARCHAR AS d, count(*) > 0 AS any FROM user_licenses WHERE tenant_id = '${TENANT}'`, '--format', 'json'], env);
    expect(users.code, users.stderr).toBe(0);
    expect(JSON.parse(users.stdout)).toEqual([{ d: todayUtc(), any: true }]);
  }, 120_000);

  it('the re-check refuses a snapshot dated in the future (its age would pass any freshness limit)', async () => {
    const root = tempDir('fd-recheck-');
    const work = path.join(root, 'work', 'm365.duckdb');
    const published = path.join(root, 'm365.duckdb');
    await loadAsIfThen(work, writeStaging(path.join(root, 's'), { snapshotDate: FUTURE }), FUTURE);
    await publish(work, published);
    await closeWarehouse();
    const user = {
      id: 'u-alice',
      userPrincipalName: 'alice@contoso.com',
      licenseAssignmentStates: [{ skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', assignedByGroup: null, disabledPlans: [] }],
    };
    const graph = { getJson: async (url: string) => (url.startsWith('/v1.0/subscribedSkus') ? { value: [] } : user), close: async () => undefined };
    const graphFor = (() => ({ client: () => graph })) as unknown as GraphFactory;
    // inspectUser reads Graph and the warehouse only; the authoriser and key are for effects and must stay unused.
    const unused = (): never => {
      throw new Error('inspectUser must not need the authoriser or the approval key');
    };
    const authoriser = new Proxy({}, { get: unused }) as Parameters<typeof createReclaimActivities>[0]['authoriser'];
    const inspect = createReclaimActivities({ graphFor, dbPath: published, authoriser, approvalKey: unused }).inspectUser;
    const r: UserInspection = await new MockActivityEnvironment().run(inspect, { tenantId: TENANT, userId: 'u-alice', recheck: true });
    expect(r.failClosed?.reason).toBe('snapshot_in_future');
    expect(r.failClosed?.detail).toContain(`dated ${FUTURE}`);
    expect(r.failClosed?.detail).toContain('drop-future-snapshots');
  });
});
