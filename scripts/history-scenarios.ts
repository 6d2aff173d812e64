// Scenarios that scripts/record-history.ts can record; each returns the workflow id it ran.
import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulatorEnv } from '../src/cli/dev-job';
import { TASK_QUEUE } from '../src/shared/names';
import { startSimulator } from '../src/simulator';
import { dailySync, healthCheck } from '../src/workflows';

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
