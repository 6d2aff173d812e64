// Scenarios that scripts/record-history.ts can record; each returns the workflow id it ran.
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../src/shared/names';
import { healthCheck } from '../src/workflows';

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
};
