// The second layer of the security model: only the workers' certificate may take tasks. The real Temporal server
// built with this project's authorizer (deploy/temporal-server) and the configuration docker-compose.yml runs (mTLS,
// an internal frontend), one client certificate per role: a person's certificate starts, signals, queries and lists,
// and is refused PermissionDenied when it polls or completes tasks like a rogue worker; the workers' certificate runs
// the workflow; an operator's schedule fires; strangers get nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerNamespace, serverEnvironment, startTemporalServer, type TemporalServer } from '../../scripts/drill/temporal-cluster';
import { createTemporalPki, type CertFiles, type TemporalPki } from '../support/temporal-pki';
import { realTemporalServer } from '../support/temporal-server';
import { uniqueName } from '../support/temporal';

const real = await realTemporalServer();
const PERMISSION_DENIED = 7;

const tlsOf = (pki: TemporalPki, files: CertFiles) => ({
  serverNameOverride: 'localhost',
  serverRootCACertificate: readFileSync(pki.caFile),
  clientCertPair: { crt: readFileSync(files.cert), key: readFileSync(files.key) },
});

/** The gRPC status code a call failed with (the SDK wraps it differently per call). */
async function codeOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    const e = err as { code?: number; cause?: { code?: number } };
    return e.code ?? e.cause?.code ?? -1;
  }
}

describe.skipIf(!real.bins)(`Temporal with per-role client certificates${real.skip ? ` (skipped: ${real.skip})` : ''}`, () => {
  let dir: string;
  let pki: TemporalPki;
  let server: TemporalServer;
  let people: Client;
  let peopleConnection: Connection;
  let operators: Client;
  let worker: Worker;
  let running: Promise<void>;
  const closers: Array<() => Promise<unknown>> = [];
  const taskQueue = uniqueName('authz');
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));

  const connect = async (files: CertFiles) => {
    const connection = await Connection.connect({ address: server.address, tls: tlsOf(pki, files), connectTimeout: 10_000 });
    closers.push(() => connection.close());
    return connection;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-authz-'));
    pki = createTemporalPki(dir);
    server = await startTemporalServer({
      bins: real.bins!,
      dir,
      env: serverEnvironment({ kind: 'sqlite-memory' }, { certFile: pki.server.cert, keyFile: pki.server.key, caFile: pki.caFile }),
      authorizer: 'roles',
      ready: async (address) => {
        const c = await Connection.connect({ address, tls: tlsOf(pki, pki.client('m365-operators')), connectTimeout: 2_000 });
        try {
          await c.workflowService.getSystemInfo({});
        } finally {
          await c.close();
        }
      },
    });
    await registerNamespace(server.address, 'default', { tls: tlsOf(pki, pki.client('m365-operators')) });
    operators = new Client({ connection: await connect(pki.client('m365-operators')) });
    peopleConnection = await connect(pki.client('m365-people'));
    people = new Client({ connection: peopleConnection });
    const workerConnection = await NativeConnection.connect({ address: server.address, tls: tlsOf(pki, pki.client('m365-workers')) });
    worker = await Worker.create({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      // The activity waits for the test, so the run is open while people query and signal it.
      activities: { echo: async (m: string) => (m === 'hold' ? held.then(() => `activity echoed ${m}`) : `activity echoed ${m}`) },
    });
    running = worker.run();
    closers.push(() => workerConnection.close());
  }, 240_000);

  afterAll(async () => {
    release();
    worker?.shutdown();
    await running?.catch(() => {});
    for (const c of closers.reverse()) await c().catch(() => {});
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lets people start, query, signal and list, and the workers' certificate run the workflow", async () => {
    const h = await people.workflow.start('healthCheck', { taskQueue, workflowId: uniqueName('authz-hold'), args: ['hold'] });
    // A query is answered by the worker: people may ask it, the worker may answer it.
    await expect
      .poll(
        async () =>
          (
            await people.workflow
              .getHandle(h.workflowId)
              .query<string>('__stack_trace')
              .catch(() => '')
          ).length,
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    await people.workflow.getHandle(h.workflowId).signal('anything', 1);
    expect((await people.workflow.getHandle(h.workflowId).describe()).status.name).toBe('RUNNING');
    release();
    expect(await h.result()).toBe('workflow saw: activity echoed hold');
    const listed = [];
    for await (const w of people.workflow.list({ query: `WorkflowId = '${h.workflowId}'` })) listed.push(w.workflowId);
    expect(listed).toEqual([h.workflowId]);
  }, 120_000);

  it("refuses a rogue poller holding a person's certificate: PermissionDenied on every task API", async () => {
    const svc = peopleConnection.workflowService;
    const ns = 'default';
    const queue = { name: taskQueue, kind: 1 };
    expect(await codeOf(svc.pollActivityTaskQueue({ namespace: ns, taskQueue: queue, identity: 'rogue' }))).toBe(PERMISSION_DENIED);
    expect(await codeOf(svc.pollWorkflowTaskQueue({ namespace: ns, taskQueue: queue, identity: 'rogue' }))).toBe(PERMISSION_DENIED);
    expect(await codeOf(svc.respondActivityTaskCompletedById({ namespace: ns, workflowId: 'w', activityId: '1', identity: 'rogue' }))).toBe(PERMISSION_DENIED);
    expect(await codeOf(svc.recordActivityTaskHeartbeatById({ namespace: ns, workflowId: 'w', activityId: '1', identity: 'rogue' }))).toBe(PERMISSION_DENIED);
  });

  it("keeps people and workers out of operators' APIs, and the workers from starting workflows", async () => {
    const parked = await operators.workflow.start('healthCheck', { taskQueue: uniqueName('nobody-polls'), workflowId: uniqueName('authz-parked'), args: ['x'] });
    expect(await codeOf(people.workflow.getHandle(parked.workflowId).terminate('people may not'))).toBe(PERMISSION_DENIED);
    expect(
      await codeOf(
        people.schedule.create({
          scheduleId: uniqueName('s'),
          spec: { intervals: [{ every: '1 day' }] },
          action: { type: 'startWorkflow', workflowType: 'healthCheck', taskQueue, args: ['x'] },
        }),
      ),
    ).toBe(PERMISSION_DENIED);
    const workers = new Client({ connection: await connect(pki.client('m365-workers')) });
    expect(await codeOf(workers.workflow.start('healthCheck', { taskQueue, workflowId: uniqueName('authz-w'), args: ['x'] }))).toBe(PERMISSION_DENIED);
    await operators.workflow.getHandle(parked.workflowId).terminate('test cleanup');
  });

  it("runs an operator's schedule: the server's own worker reaches it through the internal frontend", async () => {
    const scheduleId = uniqueName('authz-schedule');
    const schedule = await operators.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'healthCheck', taskQueue, args: ['scheduled'] },
      state: { triggerImmediately: true },
    });
    try {
      await expect.poll(async () => (await schedule.describe()).info.recentActions.length, { timeout: 30_000 }).toBeGreaterThan(0);
      const started = (await schedule.describe()).info.recentActions[0]!.action.workflow.workflowId;
      expect(await operators.workflow.getHandle(started).result()).toBe('workflow saw: activity echoed scheduled');
    } finally {
      await schedule.delete();
    }
  }, 60_000);

  it('gives a certificate without a known role, or from another CA, nothing', async () => {
    const strangers = new Client({ connection: await connect(pki.client('m365-strangers')) });
    expect(await codeOf(strangers.workflow.start('healthCheck', { taskQueue, workflowId: uniqueName('authz-s'), args: ['x'] }))).toBe(PERMISSION_DENIED);
    const foreign = Connection.connect({ address: server.address, tls: tlsOf(pki, pki.foreign), connectTimeout: 5_000 }).then(async (c) => {
      closers.push(() => c.close());
      return c.workflowService.getSystemInfo({});
    });
    expect(await codeOf(foreign)).not.toBe('ok');
  });
});
