// A worker killed (SIGKILL) while the removal is in flight: after a new worker process takes over, the licences
// are removed exactly once (the retried activity reads the user first and finds the change already applied).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../../src/cli/dev-job';
import { startReclamation } from '../../../src/cli/reclaim/command';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';
import { startDailySync } from '../../../src/cli/start-daily';
import { parseConfig } from '../../../src/config';
import { People, signalApprove } from '../../support/reclaim-people';
import { killHard, spawnWorker as spawnWorkerProcess } from '../../support/spawn-worker';
import { connectClient, uniqueName } from '../../support/temporal';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus } from '../../support/reclaim-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TODAY = new Date().toISOString().slice(0, 10);
describe('reclaimLicenses survives a worker crash between approval and removal', () => {
  let sim: SimulatorHandle;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let dataDir: string;
  const queues = { main: uniqueName('reclaim-main') };
  const children: ChildProcess[] = [];

  const spawnWorker = async (): Promise<ChildProcess> => {
    const child = await spawnWorkerProcess({ ...simulatorEnv(sim, dataDir), M365_DB: '', M365_TENANTS_FILE: '' }, { taskQueue: queues.main });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    sim = await startSimulator({ users: 300, seed: 72, today: TODAY });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'reclaim-kill-'));
    client = await connectClient();
  });
  afterAll(async () => {
    for (const c of children) await killHard(c);
    await client?.close();
    await sim?.close();
  });

  it('exactly one removal after the restart', async () => {
    const u = userPicker(sim)(directOnly);
    const first = await spawnWorker();
    // A fresh snapshot: the re-check refuses to act without one.
    await (await startDailySync(client.client, { tenantId: sim.tenantId, snapshotDate: TODAY }, { taskQueue: queues.main })).result();
    const people = new People(sim, parseConfig(simulatorEnv(sim, dataDir)));
    const h = await startReclamation(
      client.client,
      { tenantId: sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '10 minutes' },
      { taskQueue: queues.main },
    );
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    // The removal's POST is held 4 s inside the simulator, which then applies it: the worker dies in between.
    sim.state.setFaults('assignLicense:slow:ms=4000:times=1');
    await signalApprove(client.client, people, h.workflowId);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'removing');
    await sleep(1_500);
    await killHard(first);
    await sleep(3_500);
    expect(sim.state.assignedLicenses(u.id)).toEqual([]); // Graph applied the change; the worker never heard back.

    await spawnWorker();
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(s.events.some((e) => e.kind === 'already_removed')).toBe(true);
    expect(removalsOf(sim, u.id)).toHaveLength(1);
    expect(sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(1);
    const rows = await auditRows(path.join(dataDir, 'm365.duckdb'), h.workflowId);
    expect(rows.filter((r) => r.event === 'executed')).toHaveLength(1);
  }, 90_000);
});
