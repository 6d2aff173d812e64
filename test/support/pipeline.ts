// A whole pipeline for a test: a simulator tenant, a data directory, and workers on unique task queues
// of the run's shared Temporal server.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { parseConfig, type AppConfig } from '../../src/config';
import { simulatorEnv } from '../../src/cli/dev-job';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator';
import { warehouseTaskQueueFor } from '../../src/shared/names';
import { createWorkers, runWorkers } from '../../src/worker';
import { connectWorker, uniqueName } from './temporal';

export interface PipelineFixture {
  sim: SimulatorHandle;
  config: AppConfig;
  /** The environment the configuration was parsed from (for worker processes). */
  env: NodeJS.ProcessEnv;
  taskQueue: string;
  warehouseTaskQueue: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Stops the workers only; the simulator keeps answering (sign-ins, Graph). */
  stopWorkers(): Promise<void>;
}

/**
 * The suite can run with every Node process's clock moved (libfaketime, to prove no test depends on the day it
 * runs); the processes a test spawns from this environment must see the same clock as the simulator that made
 * their certificates and tokens.
 */
const clockShift = (): NodeJS.ProcessEnv =>
  Object.fromEntries(['LD_PRELOAD', 'FAKETIME', 'FAKETIME_DONT_FAKE_MONOTONIC'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));

export async function startPipeline(
  opts: {
    sim?: SimulatorOptions;
    env?: NodeJS.ProcessEnv;
    /** false: the test runs its own worker processes */ workers?: boolean;
    /** Another Temporal server than the run's dev server (the time-skipping test server). */ connection?: NativeConnection;
  } = {},
): Promise<PipelineFixture> {
  const sim = await startSimulator({ users: 1000, ...opts.sim });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-pipeline-'));
  // Tests pin calendar days; retention counts back from the wall clock and would prune them as they age.
  const env = { ...clockShift(), ...simulatorEnv(sim, dataDir), M365_HISTORY_DAYS: '0', ...opts.env };
  const config = parseConfig(env);
  const taskQueue = uniqueName('main');
  const warehouseTaskQueue = warehouseTaskQueueFor(taskQueue);
  const workers: Worker[] =
    opts.workers === false
      ? []
      : await createWorkers({
          connection: opts.connection ?? (await connectWorker()),
          namespace: 'default',
          deps: { config },
          workflowBundlePath: inject('workflowBundlePath'),
          taskQueue,
        });
  const abort = new AbortController();
  const running = runWorkers(workers, abort.signal);
  return {
    sim,
    config,
    env,
    taskQueue,
    warehouseTaskQueue,
    dataDir,
    stop: async () => {
      abort.abort();
      await running;
      await sim.close();
    },
    stopWorkers: async () => {
      abort.abort();
      await running;
    },
  };
}
