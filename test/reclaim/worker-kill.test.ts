// A worker killed (SIGKILL) while the removal is in flight: after a new worker process takes over, the licences
// are removed exactly once (the retried activity reads the user first and finds the change already applied).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReclamation } from '../../src/cli/reclaim';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { approveSignal } from '../../src/workflows';
import { connectClient, temporalAddress, uniqueName } from '../helpers/temporal';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const simulatorEnv = (sim: SimulatorHandle, dataDir: string): NodeJS.ProcessEnv => ({
  M365_TENANT_ID: sim.tenantId,
  M365_CLIENT_ID: sim.clientId,
  M365_CLIENT_SECRET: sim.clientSecret,
  M365_AUTHORITY_HOST: sim.authorityHost,
  M365_GRAPH_URL: sim.graphUrl,
  M365_CA_FILE: sim.caFile,
  M365_DATA_DIR: dataDir,
  M365_DB: '',
  M365_TENANTS_FILE: '',
});

describe('reclaimLicenses survives a worker crash between approval and removal', () => {
  let sim: SimulatorHandle;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let dataDir: string;
  const queues = { main: uniqueName('reclaim-main'), warehouse: uniqueName('reclaim-wh') };
  const children: ChildProcess[] = [];

  const spawnWorker = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'worker-process.ts')], {
      env: {
        ...process.env,
        ...simulatorEnv(sim, dataDir),
        TEMPORAL_ADDRESS: temporalAddress(),
        RECLAIM_TEST_QUEUE: queues.main,
        RECLAIM_TEST_WAREHOUSE_QUEUE: queues.warehouse,
        RECLAIM_TEST_BUNDLE: inject('workflowBundlePath'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('worker ready')) resolve();
      });
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
    });
    child.removeAllListeners('exit');
    return child;
  };
  const kill = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    sim = await startSimulator({ users: 300, seed: 72, today: '2026-11-27' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'reclaim-kill-'));
    client = await connectClient();
  });
  afterAll(async () => {
    for (const c of children) await kill(c);
    await client?.close();
    await sim?.close();
  });

  it('exactly one removal after the restart', async () => {
    const u = userPicker(sim)(directOnly);
    const first = await spawnWorker();
    const h = await startReclamation(
      client.client,
      { tenantId: sim.tenantId, userId: u.id, requestedBy: 'alice', warehouseTaskQueue: queues.warehouse, approvalTimeout: '10 minutes' },
      { taskQueue: queues.main },
    );
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    // The removal's POST is held 4 s inside the simulator, which then applies it: the worker dies in between.
    sim.state.setFaults('assignLicense:slow:ms=4000:times=1');
    await h.signal(approveSignal, { by: 'bob' });
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'removing');
    await sleep(1_500);
    await kill(first);
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
