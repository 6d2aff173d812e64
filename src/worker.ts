// Runs the two workers of this project: the main queue (orchestration, Graph) and the warehouse queue, whose
// DuckDB writes are serialized per worker process by the writer's queue.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createMainActivities, createWarehouseActivities, type ActivityDeps } from './activities';
import type { Logger } from './logger';
import { TASK_QUEUE, warehouseTaskQueueFor } from './shared/names';
import { applyPrivateUmask } from './warehouse/index';

/** M365_GRAPH_ACTIVITY_SLOTS when a configuration built by hand leaves it out. */
const DEFAULT_GRAPH_ACTIVITY_SLOTS = 40;
const DEFAULT_WAREHOUSE_ACTIVITY_SLOTS = 20;

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start-up. */
  workflowBundlePath?: string;
  /** The main queue (default m365-license); the warehouse queue follows from it (warehouseTaskQueueFor). */
  taskQueue?: string;
  /** Serve the warehouse queue too (exactly one process per deployment should: DuckDB allows one writer). */
  serveWarehouse?: boolean;
  /** Serve the main queue (default true); false gives a warehouse-only process, whose memory is DuckDB's. */
  serveMain?: boolean;
}

export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  // Staging files and the working database are private to the worker's user (they hold tenant data); set before any is written.
  applyPrivateUmask();
  const workers: Worker[] = [];
  if (setup.serveMain !== false) workers.push(await createMainWorker(setup));
  const warehouseActivities = createWarehouseActivities(setup.deps);
  if (setup.serveWarehouse !== false && Object.keys(warehouseActivities).length > 0) {
    workers.push(
      await Worker.create({
        connection: setup.connection,
        namespace: setup.namespace,
        taskQueue: warehouseTaskQueueFor(setup.taskQueue ?? TASK_QUEUE),
        activities: warehouseActivities,
        // Writes still run one at a time (the writer's queue, db/handles.ts); holding several activities lets loads
        // that arrive together commit back to back and share one publish (publish/batched.ts).
        maxConcurrentActivityTaskExecutions: setup.deps.config.warehouseActivitySlots ?? DEFAULT_WAREHOUSE_ACTIVITY_SLOTS,
      }),
    );
  }
  if (workers.length === 0) throw new Error('This worker would serve no task queue: drop --no-warehouse or --warehouse-only.');
  return workers;
}

async function createMainWorker(setup: WorkerSetup): Promise<Worker> {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle'> = setup.workflowBundlePath
    ? { workflowBundle: { codePath: setup.workflowBundlePath } }
    : { workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: bundleLogger(setup.deps.logger) }) };
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue ?? TASK_QUEUE,
    ...workflowSource,
    activities: createMainActivities(setup.deps),
    // Each running extract holds at most one Graph page (report downloads stream to disk), so this bounds the
    // worker's memory however many tenants are due at once; the rest wait in the task queue, not in memory.
    maxConcurrentActivityTaskExecutions: setup.deps.config.graphActivitySlots ?? DEFAULT_GRAPH_ACTIVITY_SLOTS,
  });
}

/** Runs all workers until `signal` aborts or one of them fails (then the others are shut down too). */
export async function runWorkers(workers: Worker[], signal?: AbortSignal): Promise<void> {
  const shutdownAll = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  if (signal?.aborted) return;
  signal?.addEventListener('abort', shutdownAll, { once: true });
  try {
    await Promise.all(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          shutdownAll();
          throw err;
        }),
      ),
    );
  } finally {
    signal?.removeEventListener('abort', shutdownAll);
  }
}

// Webpack's build report is noise for operators; keep warnings and errors (as JSON lines when the worker has a logger).
function bundleLogger(logger?: Logger) {
  const warn = (message: string) => (logger ? logger.warn('workflow bundle warning: %s', message) : process.stderr.write(`workflow bundle warning: ${message}\n`));
  const error = (message: string) => (logger ? logger.error('workflow bundle error: %s', message) : process.stderr.write(`workflow bundle error: ${message}\n`));
  return { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn, error };
}
