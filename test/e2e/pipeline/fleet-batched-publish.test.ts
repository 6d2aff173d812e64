// Many tenants' daily runs reaching the warehouse writer together: a Graph worker in this process, the writer as
// its own `worker --warehouse-only` process (as deployed), a real dev server and the simulator serving the tenants
// behind one app. Every run succeeds and is published, by fewer publishes than runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig, type AppConfig } from '../../../src/config';
import { startDailySync } from '../../../src/cli/start-daily';
import { startSimulator, writeSimulatorTenantsFile, type SimulatorHandle } from '../../../src/simulator';
import { dailySyncStatusQuery } from '../../../src/workflows/daily-sync-messages';
import { createWorkers, runWorkers } from '../../../src/worker';
import { connectClient, connectWorker, temporalAddress, uniqueName } from '../../support/temporal';
import { queryPublished } from '../../support/work-query';
import { daysBefore, todayUtc } from '../../support/dates';

const TENANTS = 12;
const USERS = 40;
const BIN = path.resolve(import.meta.dirname, '../../../bin/m365-license.mjs');

describe('a fleet of tenants through one warehouse writer', () => {
  let sim: SimulatorHandle;
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let workers: Worker[];
  let running: Promise<void>;
  let writer: ChildProcess | undefined;
  const writerLines: string[] = [];
  const abort = new AbortController();
  const taskQueue = uniqueName('fleet');

  beforeAll(async () => {
    sim = await startSimulator({ seed: 4100, tenants: `${TENANTS}x${USERS}` });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-fleet-'));
    const tenantsFile = path.join(dir, 'tenants.json');
    // One app for every tenant, as an MSP runs it: the secret is named, never written here.
    writeSimulatorTenantsFile(sim, tenantsFile, { secretEnv: 'TEST_FLEET_SECRET', namePrefix: 'tenant' });
    process.env.TEST_FLEET_SECRET = sim.clientSecret;
    env = { M365_TENANTS_FILE: tenantsFile, M365_DATA_DIR: path.join(dir, 'data'), TEST_FLEET_SECRET: sim.clientSecret };
    config = parseConfig(env);
    workers = await createWorkers({
      connection: await connectWorker(),
      namespace: 'default',
      deps: { config },
      workflowBundlePath: inject('workflowBundlePath'),
      taskQueue,
      serveWarehouse: false,
    });
    running = runWorkers(workers, abort.signal);
    client = await connectClient();
  });
  afterAll(async () => {
    if (writer && writer.exitCode === null) {
      const exited = new Promise((r) => writer!.once('exit', r));
      writer.kill('SIGTERM');
      await exited;
    }
    await client?.close();
    abort.abort();
    await running;
    await sim?.close();
  });

  it("every run but the failing tenant's succeeds and is published, by fewer publishes than loads", async () => {
    const snapshotDate = daysBefore(todayUtc(), 2);
    // One tenant withdrew its consent: its run fails at preflight, alone.
    const failing = sim.tenants[TENANTS - 1]!;
    failing.state.setRoles([]);
    const handles = await Promise.all(sim.tenants.map((t) => startDailySync(client.client, { tenantId: t.tenantId, snapshotDate }, { taskQueue })));
    const failed = handles.pop()!;
    // The writer starts once every other run waits for it, as when a fleet's extracts finish close together (the
    // failed run waits for it too, to record its failure).
    const deadline = Date.now() + 300_000;
    for (const [h, stage] of [...handles.map((h) => [h, 'load'] as const), [failed, 'failed'] as const]) {
      while ((await h.query(dailySyncStatusQuery)).stage !== stage) {
        if (Date.now() > deadline) throw new Error(`${h.workflowId} never reached ${stage}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    writer = spawn(process.execPath, [BIN, 'worker', '--warehouse-only'], {
      env: { ...process.env, ...env, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    writer.stdout!.on('data', (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      writerLines.push(...parts);
    });

    const results = await Promise.all(handles.map((h) => h.result()));
    await expect(failed.result()).rejects.toThrow();
    const loads = TENANTS - 1;
    expect(results.map((r) => r.status)).toEqual(Array(loads).fill('succeeded'));
    // Every run is in the published file: a run that succeeded is one analysts see. The failure is recorded too.
    const rows = await queryPublished(config.dbPath, 'SELECT tenant_id, count(*)::INTEGER n FROM users GROUP BY 1');
    expect(rows).toHaveLength(loads);
    expect(rows.every((r) => r.n === USERS)).toBe(true);
    const runs = await queryPublished(config.dbPath, 'SELECT tenant_id, status FROM runs');
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(loads);
    expect(runs.filter((r) => r.status === 'failed').map((r) => r.tenant_id)).toEqual([failing.tenantId]);

    // The SDK holds activity log lines briefly to order them with its core's, so the last publish's line can reach
    // stdout after its run has ended: wait for the lines (a few seconds at most), then count.
    const publishedLines = () => writerLines.filter((l) => l.includes('"msg":"published"')).map((l) => JSON.parse(l) as { runs: number; publishes: number });
    const linesDeadline = Date.now() + 10_000;
    while (publishedLines().reduce((n, p) => n + p.runs, 0) < TENANTS && Date.now() < linesDeadline) await new Promise((r) => setTimeout(r, 100));
    const published = publishedLines();
    expect(published.length).toBeGreaterThan(0);
    expect(published.length).toBeLessThan(loads);
    // Each publish says how many writes it covered; together, every load and the failed run's record once.
    expect(published.reduce((n, p) => n + p.runs, 0)).toBe(TENANTS);
    expect(published.at(-1)!.publishes).toBe(published.length);
  }, 600_000);
});
