// Activities are plain async functions built from their dependencies; the worker registers them.
import type { AppConfig } from '../config';
import { createExtractActivities } from './extract';
import { createGraphFactory, type GraphFactory } from './graph-context';
import { createHealthActivities } from './health';
import { createReclaimActivities } from './reclaim';
import { createRunFileActivities } from './run-files';
import { createWarehouseWriteActivities } from './warehouse';
import type { Logger } from '../logger';

export interface ActivityDeps {
  config: AppConfig;
  /** Injected by tests that need a special client; defaults to one built from the configuration. */
  graphFor?: GraphFactory;
  /** The worker's logger (JSON lines); the Graph client and token provider log retries and failures through it. */
  logger?: Logger;
}

/** Activities served on the main task queue (Graph calls, staging files). */
export function createMainActivities(deps: ActivityDeps) {
  const graphFor = deps.graphFor ?? createGraphFactory(deps.config, deps.logger);
  return {
    ...createHealthActivities(),
    ...createExtractActivities({ dataDir: deps.config.dataDir, graphFor }),
    ...createRunFileActivities({ dataDir: deps.config.dataDir }),
    ...createReclaimActivities({ graphFor, dbPath: deps.config.dbPath }),
  };
}

/** Activities served on the warehouse queue, one at a time (every DuckDB write). */
export function createWarehouseActivities(deps: ActivityDeps) {
  return createWarehouseWriteActivities({ workDbPath: deps.config.workDbPath, dbPath: deps.config.dbPath, historyDays: deps.config.historyDays });
}

export type MainActivities = ReturnType<typeof createMainActivities>;
export type WarehouseActivities = ReturnType<typeof createWarehouseActivities>;
