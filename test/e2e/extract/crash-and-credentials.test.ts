// A worker SIGKILLed in the middle of the users walk, and credentials that can never work.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStagingDir, usersDir } from '../../../src/activities/staging-layout';
import { startDailySync } from '../../../src/cli/start-daily';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { killHard, spawnWorker } from '../../support/spawn-worker';
import { connectClient } from '../../support/temporal';
import { stagedUserIds } from '../../support/staged-pages';
import { todayUtc } from '../../support/dates';

/** Today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();

describe('a worker killed during the users walk', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 10_000, seed: 12, today: TODAY }, workers: false });
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  it('resumes after the last recorded page on a new worker: no page missing or doubled', async () => {
    // Slow pages so the kill lands in the middle of an 11-page walk.
    p.sim.state.setFaults('users:slow:ms=700');
    const queues = { taskQueue: p.taskQueue, warehouseTaskQueue: p.warehouseTaskQueue };
    const first = await spawnWorker(p.env, queues);
    const handle = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue, tuning: { heartbeatTimeoutSeconds: 4 } });
    const runDir = runStagingDir(p.dataDir, p.sim.tenantId, (await handle.describe()).runId);
    const pagesOnDisk = () => {
      try {
        return readdirSync(usersDir(runDir)).filter((f) => /^page-\d+\.json$/.test(f)).length;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while (pagesOnDisk() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const pagesAtKill = pagesOnDisk();
    expect(pagesAtKill).toBeGreaterThanOrEqual(5);
    await killHard(first);
    const requestsBeforeRestart = p.sim.state.requests('users').length;

    const second = await spawnWorker(p.env, queues);
    try {
      const result = await handle.result();
      expect(result.status).toBe('succeeded');
      const { ids, pages } = stagedUserIds(path.join(runDir, 'users'));
      expect(ids.length).toBe(10_000);
      expect(new Set(ids).size).toBe(10_000);
      expect(pages).toEqual(Array.from({ length: pages.length }, (_, i) => i + 1));
      // The new attempt resumed from a recorded next link instead of walking from the first page again.
      const after = p.sim.state.requests('users').slice(requestsBeforeRestart);
      expect(after[0]?.path).toContain('skiptoken');
      expect(after.length).toBeLessThan(pages.length);
    } finally {
      await killHard(second);
    }
  });
});

describe('credentials that cannot work', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    // The classic mistake: the secret's ID pasted instead of its value.
    p = await startPipeline({ sim: { users: 100, seed: 13 }, env: {} });
    p.config.clientSecret = p.sim.clientSecretId;
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  it('a wrong secret fails at once naming AADSTS7000215 and the fix, with no retry storm', async () => {
    const started = Date.now();
    const handle = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: Error & { cause?: Error } },
    );
    expect(err).toBeDefined();
    const message = err?.cause?.cause?.message ?? err?.cause?.message ?? '';
    expect(message).toContain('AADSTS7000215');
    expect(message).toMatch(/secret.*value.*not.*ID|value, not the secret ID|client secret value/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(p.sim.state.requests('token').length).toBeLessThanOrEqual(2);
  });
});
