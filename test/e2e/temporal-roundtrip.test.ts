import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config';
import { createWorkers, runWorkers } from '../../src/worker';
import { healthCheck } from '../../src/workflows';
import { connectClient, connectWorker, uniqueName } from '../support/temporal';

describe('a workflow through the real Temporal server', () => {
  let workers: Worker[];
  let running: Promise<void>;
  let taskQueue: string;
  const abort = new AbortController();

  beforeAll(async () => {
    taskQueue = uniqueName('roundtrip');
    workers = await createWorkers({
      connection: await connectWorker(),
      namespace: 'default',
      deps: { config: parseConfig({}) },
      workflowBundlePath: inject('workflowBundlePath'),
      taskQueue,
      serveWarehouse: false,
    });
    running = runWorkers(workers, abort.signal);
  });
  afterAll(async () => {
    abort.abort();
    await running;
  });

  it('runs workflow -> activity -> result and records it in the server history', async () => {
    const { client, close } = await connectClient();
    try {
      const workflowId = uniqueName('health');
      const result = await client.workflow.execute(healthCheck, { taskQueue, workflowId, args: ['ping'] });
      expect(result).toBe('workflow saw: activity echoed ping');
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      // The activity really ran through the server: its scheduled and completed events are in the history.
      expect(types.length).toBeGreaterThan(5);
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
    } finally {
      await close();
    }
  });
});
