// The job `dev` runs once its server and worker are up.
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import { TASK_QUEUE } from '../shared/names';
import { healthCheck } from '../workflows';

export interface DevJobContext {
  client: Client;
  config: AppConfig;
  say: (line: string) => void;
  cleanups: Array<() => Promise<void>>;
  temporalAddress: string;
  temporalCli?: string;
}

export async function runDevJob(ctx: DevJobContext): Promise<void> {
  const workflowId = `health-check-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const result = await ctx.client.workflow.execute(healthCheck, { taskQueue: TASK_QUEUE, workflowId, args: ['hello'] });
  ctx.say(`Workflow ${workflowId} completed: ${result}`);
  ctx.say(`Inspect it: ${ctx.temporalCli ?? 'temporal'} workflow show --workflow-id ${workflowId} --address ${ctx.temporalAddress}`);
}
