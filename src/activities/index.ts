// Activities are plain async functions built from their dependencies; the worker registers them.
import type { AppConfig } from '../config';
import { createHealthActivities } from './health';

export interface ActivityDeps {
  config: AppConfig;
}

/** Activities served on the main task queue (Graph calls, staging files). */
export function createMainActivities(_deps: ActivityDeps) {
  return { ...createHealthActivities() };
}

/** Activities served on the warehouse queue, one at a time (every DuckDB write). */
export function createWarehouseActivities(_deps: ActivityDeps) {
  return {};
}
