// Scenarios that scripts/record-history.ts can record; each returns the workflow id it ran.
import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulatorEnv } from '../src/cli/dev-job';
import { TASK_QUEUE } from '../src/shared/names';
import { startSimulator } from '../src/simulator';
import { startReclamation } from '../src/cli/reclaim';
import { approveSignal, dailySync, healthCheck, reclaimStatusQuery } from '../src/workflows';

export interface Scenario {
  prepare(): Promise<{ env?: NodeJS.ProcessEnv; close?: () => Promise<void> }>;
  run(client: Client): Promise<string>;
}

export const scenarios: Record<string, Scenario> = {
  healthCheck: {
    prepare: async () => ({}),
    run: async (client) => {
      const workflowId = 'health-check-recorded';
      await client.workflow.execute(healthCheck, { taskQueue: TASK_QUEUE, workflowId, args: ['recorded'] });
      return workflowId;
    },
  },
  dailySync: {
    prepare: async () => {
      const sim = await startSimulator({ users: 500, seed: 3 });
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'record-daily-'));
      tenantId = sim.tenantId;
      return { env: simulatorEnv(sim, dataDir), close: () => sim.close() };
    },
    run: async (client) => {
      const workflowId = 'daily-recorded';
      await client.workflow.execute(dailySync, { taskQueue: TASK_QUEUE, workflowId, args: [{ tenantId, snapshotDate: '2026-11-27' }] });
      return workflowId;
    },
  },
};

let tenantId = '';
let reclaimUserId = '';

/** A user who holds licences only directly (nothing inherited from a group), so the removal goes through. */
function directlyLicensedUser(sim: Awaited<ReturnType<typeof startSimulator>>): string {
  for (let i = 0; i < sim.state.userCount; i++) {
    const u = sim.state.userAt(i);
    const a = sim.state.assignments(i) as Array<{ assignedByGroup: string | null; state: string }>;
    if (u.accountEnabled && u.kind === 'member' && u.usageLocation && a.length > 0 && a.every((x) => x.assignedByGroup === null && x.state === 'Active')) return u.id;
  }
  throw new Error('no directly licensed user in the simulated tenant');
}

scenarios.reclaimLicenses = {
  prepare: async () => {
    const sim = await startSimulator({ users: 200, seed: 4 });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'record-reclaim-'));
    tenantId = sim.tenantId;
    reclaimUserId = directlyLicensedUser(sim);
    return { env: simulatorEnv(sim, dataDir), close: () => sim.close() };
  },
  run: async (client) => {
    const handle = await startReclamation(client, { tenantId, userId: reclaimUserId, requestedBy: 'alice', reason: 'inactive', approvalTimeout: '1 hour' });
    for (let i = 0; i < 100; i++) {
      const s = await handle.query(reclaimStatusQuery).catch(() => undefined);
      if (s?.status === 'awaiting_approval') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.signal(approveSignal, { by: 'bob', comment: 'ok' });
    await handle.signal(approveSignal, { by: 'bob' }); // a duplicate, recorded and ignored
    const result = await handle.result();
    if (result.status !== 'executed') throw new Error(`expected executed, got ${result.status}`);
    return handle.workflowId;
  },
};
