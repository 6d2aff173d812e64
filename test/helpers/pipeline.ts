// A whole pipeline for a test: a simulator tenant, a data directory, and workers on unique task queues
// of the run's shared Temporal server.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { parseConfig, type AppConfig } from '../../src/config';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator';
import { createWorkers, runWorkers } from '../../src/worker';
import { connectWorker, uniqueName } from './temporal';

export interface PipelineFixture {
  sim: SimulatorHandle;
  config: AppConfig;
  taskQueue: string;
  warehouseTaskQueue: string;
  dataDir: string;
  stop(): Promise<void>;
}

export function simulatorEnv(sim: SimulatorHandle, dataDir: string): NodeJS.ProcessEnv {
  return {
    M365_TENANT_ID: sim.tenantId,
    M365_CLIENT_ID: sim.clientId,
    M365_CLIENT_SECRET: sim.clientSecret,
    M365_AUTHORITY_HOST: sim.authorityHost,
    M365_GRAPH_URL: sim.graphUrl,
    M365_CA_FILE: sim.caFile,
    M365_DATA_DIR: dataDir,
  };
}

export async function startPipeline(opts: { sim?: SimulatorOptions; env?: NodeJS.ProcessEnv } = {}): Promise<PipelineFixture> {
  const sim = await startSimulator({ users: 1000, ...opts.sim });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-pipeline-'));
  const config = parseConfig({ ...simulatorEnv(sim, dataDir), ...opts.env });
  const taskQueue = uniqueName('main');
  const warehouseTaskQueue = uniqueName('warehouse');
  const workers: Worker[] = await createWorkers({
    connection: await connectWorker(),
    namespace: 'default',
    deps: { config },
    workflowBundlePath: inject('workflowBundlePath'),
    taskQueue,
    warehouseTaskQueue,
  });
  const abort = new AbortController();
  const running = runWorkers(workers, abort.signal);
  return {
    sim,
    config,
    taskQueue,
    warehouseTaskQueue,
    dataDir,
    stop: async () => {
      abort.abort();
      await running;
      await sim.close();
    },
  };
}
