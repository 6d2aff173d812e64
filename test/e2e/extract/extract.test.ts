// The extract's failure scenarios through the real dailySync workflow: real Temporal server, real simulator, real MSAL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDailySync } from '../../../src/cli/start-daily';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient } from '../../support/temporal';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stagedUserIds } from '../../support/staged-pages';
import { todayUtc } from '../../support/dates';

/** Today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();

const csvRows = (file: string): number => (parse(readFileSync(file), { bom: true, from_line: 2 }) as unknown[]).length;

const ROLES = ['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All'];

describe('extract through dailySync', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let day = 0;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 10_000, seed: 11, today: TODAY } });
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });
  // Each test runs its own date, so workflow ids never collide.
  const run = async () => {
    day += 1;
    const snapshotDate = `2026-10-${String(day).padStart(2, '0')}`;
    return startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate }, { taskQueue: p.taskQueue });
  };
  const reset = () => {
    p.sim.state.setFaults('');
    p.sim.state.setRoles(ROLES);
    p.sim.requestLog.length = 0;
  };

  it('stages 10k users, each exactly once, and both reports with every row', async () => {
    reset();
    const r = await (await run()).result();
    const { ids, pages } = stagedUserIds(r.staged.users.path);
    expect(ids.length).toBe(10_000);
    expect(new Set(ids).size).toBe(10_000);
    expect(pages).toEqual(Array.from({ length: pages.length }, (_, i) => i + 1));
    expect(r.staged.users.count).toBe(10_000);
    // About one row per user (users created after the report's refresh are not in it yet, recently deleted
    // ones are); the staged counts must match an independent csv-parse count of the files.
    expect(r.staged.reports[0]!.count).toBeGreaterThan(9_900);
    for (const report of r.staged.reports) expect(report.count).toBe(csvRows(report.path));
  });

  it('completes with 30% of requests answered 429, and waits at least what Retry-After asked', async () => {
    reset();
    p.sim.state.setFaults('users:429@0.3:retry=0.4,skus:429@0.3:retry=1,reports:429@0.3:retry=0.4');
    const r = await (await run()).result();
    expect(r.status).toBe('succeeded');
    expect(new Set(stagedUserIds(r.staged.users.path).ids).size).toBe(10_000);
    const log = p.sim.requestLog;
    const throttled = log.filter((e) => e.status === 429 && e.endpoint !== 'token');
    expect(throttled.length).toBeGreaterThan(2);
    for (const t of throttled) {
      const next = log.find((e) => e.path === t.path && Date.parse(e.at) > Date.parse(t.at));
      expect(next, `a retry of ${t.endpoint}`).toBeDefined();
      const asked = t.endpoint === 'skus' ? 1000 : 400;
      expect(Date.parse(next!.at) - Date.parse(t.at)).toBeGreaterThanOrEqual(asked);
    }
  });

  it('survives connection resets in the middle of pages and of the report download, with complete files', async () => {
    reset();
    const clean = await (await run()).result();
    reset();
    p.sim.state.setFaults('users:reset@0.3,download:reset@0.5:times=3');
    const r = await (await run()).result();
    const resets = p.sim.requestLog.filter((e) => e.fault?.includes('reset'));
    expect(resets.length).toBeGreaterThan(0);
    expect(new Set(stagedUserIds(r.staged.users.path).ids).size).toBe(10_000);
    // The simulator serves the same tenant both times: the staged files must be byte-identical.
    expect(r.staged.users.sha256).toBe(clean.staged.users.sha256);
    expect(r.staged.reports.map((f) => f.sha256)).toEqual(clean.staged.reports.map((f) => f.sha256));
  });

  it('never sends the bearer token to the report download host', async () => {
    reset();
    await (await run()).result();
    const downloads = p.sim.requestLog.filter((e) => e.endpoint === 'download');
    expect(downloads.length).toBe(2);
    expect(downloads.every((e) => !e.authorization)).toBe(true);
    expect(p.sim.requestLog.filter((e) => e.endpoint === 'users').every((e) => e.authorization)).toBe(true);
  });

  it('missing Reports.Read.All fails at preflight, without retries, naming the permission', async () => {
    reset();
    p.sim.state.setRoles(['Directory.Read.All']);
    const handle = await run();
    await expect(handle.result()).rejects.toThrow();
    const described = await handle.describe();
    expect(described.status.name).toBe('FAILED');
    const history = await handle.fetchHistory();
    const failure = history.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    expect(failure?.cause?.message ?? failure?.message).toMatch(/Reports\.Read\.All.*Grant admin consent/s);
    expect(failure?.cause?.applicationFailureInfo?.type ?? failure?.applicationFailureInfo?.type).toBe('GraphPermissionError');
    const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'preflight');
    const started = history.events?.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(p.sim.requestLog.filter((e) => e.endpoint === 'users')).toHaveLength(0);
  });
});
