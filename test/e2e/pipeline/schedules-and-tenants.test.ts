// Schedules against the real server, and two tenants from a tenants file kept apart in one warehouse.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { parseConfig, type AppConfig } from '../../../src/config';
import { createDailySchedule } from '../../../src/cli/schedule';
import { startDailySync } from '../../../src/cli/start-daily';
import { ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { dailyScheduleId, dailyWorkflowId, parseScheduledDailyWorkflowId } from '../../../src/shared/names';
import type { dailySync, scheduledDailySync } from '../../../src/workflows';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';
import { listTenantIds } from '../../../src/tenants';
import { openReadOnly } from '../../../src/warehouse';
import { createWorkers, runWorkers } from '../../../src/worker';
import { connectClient, connectWorker, temporalAddress, uniqueName } from '../../support/temporal';
import { daysBefore, todayUtc } from '../../support/dates';

/** When the schedule's latest action was scheduled, by the Temporal server's clock (what the run is named by). */
async function waitForAction(handle: ScheduleHandle): Promise<Date> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const last = (await handle.describe()).info.recentActions.at(-1);
    if (last) return last.scheduledAt;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the triggered schedule took no action within 30 s');
}

const daysAgo = (n: number): string => daysBefore(todayUtc(), n);

describe('two tenants from a tenants file, with daily schedules', () => {
  const sims: SimulatorHandle[] = [];
  let config: AppConfig;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let workers: Worker[];
  let running: Promise<void>;
  const abort = new AbortController();
  const taskQueue = uniqueName('tenants');

  beforeAll(async () => {
    sims.push(await startSimulator({ users: 300, seed: 21 }), await startSimulator({ users: 500, seed: 22 }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-tenants-'));
    const tenantsFile = path.join(dir, 'tenants.json');
    // The file names where each secret lives (an environment variable, a file), never the secret itself.
    process.env.TEST_TENANT_A_SECRET = sims[0]!.clientSecret;
    writeFileSync(path.join(dir, 'b.secret'), `${sims[1]!.clientSecret}\n`);
    const entry = (s: SimulatorHandle, name: string, secret: Record<string, string>) => ({
      tenantId: s.tenantId,
      name,
      clientId: s.clientId,
      ...secret,
      authorityHost: s.authorityHost,
      graphUrl: s.graphUrl,
      caFile: s.caFile,
    });
    writeFileSync(
      tenantsFile,
      JSON.stringify({
        tenants: [entry(sims[0]!, 'contoso', { clientSecretEnv: 'TEST_TENANT_A_SECRET' }), entry(sims[1]!, 'fabrikam', { clientSecretFile: path.join(dir, 'b.secret') })],
      }),
    );
    config = parseConfig({ M365_TENANTS_FILE: tenantsFile, M365_DATA_DIR: path.join(dir, 'data') });
    workers = await createWorkers({
      connection: await connectWorker(),
      namespace: 'default',
      deps: { config },
      workflowBundlePath: inject('workflowBundlePath'),
      taskQueue,
    });
    running = runWorkers(workers, abort.signal);
    client = await connectClient();
  });
  afterAll(async () => {
    for (const id of listTenantIds(config ?? parseConfig({})))
      await client?.client.schedule
        .getHandle(dailyScheduleId(id))
        .delete()
        .catch(() => {});
    await client?.close();
    abort.abort();
    await running;
    for (const s of sims) await s.close();
  });

  it('keeps each tenant in its own rows of one warehouse', async () => {
    for (const s of sims) {
      // Not yesterday: the backfill test below runs yesterday's scheduled day.
      const h = await startDailySync(client.client, { tenantId: s.tenantId, snapshotDate: daysAgo(3) }, { taskQueue });
      expect((await h.result()).status).toBe('succeeded');
    }
    const db = await openReadOnly(config.dbPath);
    try {
      const rows = (await db.query('select tenant_id, count(*)::INTEGER n from users group by 1 order by n')).rows;
      expect(rows).toEqual([
        { tenant_id: sims[0]!.tenantId, n: 300 },
        { tenant_id: sims[1]!.tenantId, n: 500 },
      ]);
      const util = (await db.query('select count(distinct tenant_id)::INTEGER n from license_utilization')).rows[0];
      expect(util).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('creates one schedule per tenant, describes it, triggers it (the run completes) and deletes it', async () => {
    for (const tenantId of listTenantIds(config)) {
      await createDailySchedule(client.client, config, tenantId, '02:00', { taskQueue });
    }
    const first = sims[0]!.tenantId;
    const handle = client.client.schedule.getHandle(dailyScheduleId(first));
    const described = await handle.describe();
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
    // Spread over the default 30-minute window after 02:00, so many tenants at one time do not start together.
    expect(described.spec.jitter).toBe(30 * 60_000);
    const next = described.info.nextActionTimes[0]!;
    expect(next.getUTCHours()).toBe(2);
    expect(next.getUTCMinutes()).toBeLessThan(30);

    // The same schedules are visible to the plain temporal CLI.
    const list = spawnSync(inject('temporalCli'), ['schedule', 'list', '--address', temporalAddress()], { encoding: 'utf8' });
    expect(list.stdout).toContain(dailyScheduleId(first));
    expect(list.stdout).toContain(dailyScheduleId(sims[1]!.tenantId));

    await handle.trigger();
    // The run is for the day the Temporal server's clock gives the triggered action, not the test process's.
    const triggered = await waitForAction(handle);
    const today = triggered.toISOString().slice(0, 10);
    const dailyId = dailyWorkflowId(first, today);
    const deadline = Date.now() + 90_000;
    let status = '';
    while (Date.now() < deadline) {
      status = await client.client.workflow
        .getHandle(dailyId)
        .describe()
        .then(
          (d) => d.status.name,
          () => 'NOT_STARTED',
        );
      if (status === 'COMPLETED' || status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe('COMPLETED');

    // A manual run for the day the schedule already ran is refused, not doubled.
    await expect(startDailySync(client.client, { tenantId: first, snapshotDate: today }, { taskQueue })).rejects.toThrow(/already exists/);

    await handle.delete();
    await expect(handle.describe()).rejects.toThrow();
  });

  it('a backfilled (catch-up) run files its snapshot under the day the schedule intended, not the day it ran', async () => {
    const second = sims[1]!.tenantId;
    // A jitter delays catch-up actions too (6 s here, not the default half hour): the day stays the intended one.
    await client.client.schedule.getHandle(dailyScheduleId(second)).delete();
    await createDailySchedule(client.client, config, second, '02:00', { taskQueue, jitterMinutes: 0.1 });
    const handle = client.client.schedule.getHandle(dailyScheduleId(second));
    // Yesterday's 02:00 action, started now: TemporalScheduledStartTime is yesterday 02:00 UTC.
    const yesterday = daysAgo(1);
    const at = Date.parse(`${yesterday}T02:00:00Z`);
    await handle.backfill([{ start: new Date(at - 60_000), end: new Date(at + 60_000), overlap: ScheduleOverlapPolicy.ALLOW_ALL }]);
    const deadline = Date.now() + 90_000;
    let scheduled: { workflowId: string; outcome: string } | undefined;
    while (!scheduled && Date.now() < deadline) {
      const recent = (await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId);
      const id = recent.find((w) => parseScheduledDailyWorkflowId(w)?.scheduledAt?.startsWith(yesterday));
      if (id) scheduled = await client.client.workflow.getHandle<typeof scheduledDailySync>(id).result();
      else await new Promise((r) => setTimeout(r, 250));
    }
    expect(scheduled).toEqual({ workflowId: dailyWorkflowId(second, yesterday), outcome: 'ran' });
    const day = await client.client.workflow.getHandle<typeof dailySync>(dailyWorkflowId(second, yesterday)).result();
    expect(day.snapshotDate).toBe(yesterday);
    expect(day.status).not.toBe('failed');
    await handle.delete();
  });

  it('a jitter given to schedule create (0 included) is what the server keeps', async () => {
    const [a, b] = listTenantIds(config);
    await createDailySchedule(client.client, config, a!, '23:50', { taskQueue, jitterMinutes: 0 });
    await createDailySchedule(client.client, config, b!, '23:50', { taskQueue, jitterMinutes: 7 });
    try {
      const exact = await client.client.schedule.getHandle(dailyScheduleId(a!)).describe();
      const spread = await client.client.schedule.getHandle(dailyScheduleId(b!)).describe();
      expect(exact.spec.jitter ?? 0).toBe(0);
      expect(exact.info.nextActionTimes[0]!.toISOString().slice(11, 19)).toBe('23:50:00');
      expect(spread.spec.jitter).toBe(7 * 60_000);
    } finally {
      for (const id of [a!, b!])
        await client.client.schedule
          .getHandle(dailyScheduleId(id))
          .delete()
          .catch(() => {});
    }
  });
});
