// Reports in a warehouse several tenants share: a run writes its own tenant's report and the fleet's page, and
// leaves the other tenants' reports as they were. Real dev server, simulator tenants behind one app, workers in
// this process serving both queues, real DuckDB files.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig, type AppConfig } from '../../../src/config';
import { startDailySync } from '../../../src/cli/start-daily';
import { startSimulator, writeSimulatorTenantsFile, type SimulatorHandle } from '../../../src/simulator';
import { createWorkers, runWorkers } from '../../../src/worker';
import { connectClient, connectWorker, uniqueName } from '../../support/temporal';
import { daysBefore, todayUtc } from '../../support/dates';
import { historyText } from '../../support/history';

const TENANTS = 3;
const USERS = 40;
const D = (daysAgo: number): string => daysBefore(todayUtc(), daysAgo);

describe('tenant reports in a shared warehouse', () => {
  let sim: SimulatorHandle;
  let config: AppConfig;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let workers: Worker[];
  let running: Promise<void>;
  const abort = new AbortController();
  const taskQueue = uniqueName('reports');

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5200, tenants: `${TENANTS}x${USERS}` });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-reports-'));
    const tenantsFile = path.join(dir, 'tenants.json');
    writeSimulatorTenantsFile(sim, tenantsFile, { secretEnv: 'TEST_REPORTS_SECRET', namePrefix: 'tenant' });
    process.env.TEST_REPORTS_SECRET = sim.clientSecret;
    // Tests pin calendar days; retention counts back from the wall clock and would prune them as they age.
    config = parseConfig({ M365_TENANTS_FILE: tenantsFile, M365_DATA_DIR: path.join(dir, 'data'), M365_HISTORY_DAYS: '0', TEST_REPORTS_SECRET: sim.clientSecret });
    workers = await createWorkers({ connection: await connectWorker(), namespace: 'default', deps: { config }, workflowBundlePath: inject('workflowBundlePath'), taskQueue });
    running = runWorkers(workers, abort.signal);
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    abort.abort();
    await running;
    await sim?.close();
  });

  const dir = () => path.dirname(config.dbPath);
  const reportOf = (tenantId: string) => path.join(dir(), 'reports', `${tenantId}.html`);
  const run = async (tenantId: string, snapshotDate: string) => {
    const handle = await startDailySync(client.client, { tenantId, snapshotDate }, { taskQueue });
    return { handle, result: await handle.result() };
  };

  it("a run writes its own tenant's report and the fleet's page, and leaves the other tenants' reports untouched", async () => {
    const [a, ...others] = sim.tenants.map((t) => t.tenantId);
    const first = await Promise.all(sim.tenants.map((t) => run(t.tenantId, D(2))));
    expect(first.map((r) => r.result.status)).toEqual(Array(TENANTS).fill('succeeded'));
    for (const t of sim.tenants) {
      const html = readFileSync(reportOf(t.tenantId), 'utf8');
      // Its own tenant only: no other tenant's id appears in it.
      expect(html).toContain(`data-tenant="${t.tenantId}"`);
      for (const other of sim.tenants.filter((o) => o !== t)) expect(html).not.toContain(other.tenantId);
    }
    const before = new Map(others.map((t) => [t, { ...statSync(reportOf(t)), text: readFileSync(reportOf(t), 'utf8') }]));

    const again = await run(a!, D(1));
    expect(again.result.status).toBe('succeeded');
    expect(readFileSync(reportOf(a!), 'utf8')).toContain(`Snapshot of ${D(1)}`);
    for (const t of others) {
      // Not rewritten: the same file (a rewrite renames a new one into place), unchanged.
      const now = statSync(reportOf(t));
      expect([now.ino, now.mtimeMs]).toEqual([before.get(t)!.ino, before.get(t)!.mtimeMs]);
      expect(readFileSync(reportOf(t), 'utf8')).toBe(before.get(t)!.text);
    }
    // The page lists every tenant with its last run, and links each report.
    const page = readFileSync(path.join(dir(), 'report.html'), 'utf8');
    for (const t of sim.tenants) expect(page).toContain(`<a href="reports/${t.tenantId}.html">`);
    const rowOf = (t: string) => page.slice(page.indexOf(`<tr data-tenant="${t}">`)).split('</tr>')[0]!;
    expect(rowOf(a!)).toContain(D(1));
    for (const t of others) expect(rowOf(t)).toContain(D(2));
    // The tenant reaches the report step as an id: the history holds it, and no user's name.
    const text = await historyText(client.client, again.handle.workflowId);
    expect(text).toContain('afterPublish');
    const user = sim.tenants[0]!.state.userAt(3);
    expect(text).not.toContain(user.userPrincipalName);
    expect(text).not.toContain(user.displayName);
  }, 600_000);
});
