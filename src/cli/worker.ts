// `m365-license worker`: serve both task queues until SIGINT/SIGTERM. Logs are JSON lines on stdout (LOG_LEVEL):
// Temporal's own, the activities' and workflows' (with their ids), and the Graph client's retries.
import type { Command } from 'commander';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../config';
import { createLogger } from '../logger';
import { installTemporalRuntimeLogger } from '../temporal/runtime';
import { reasonOf, temporalConnectionOptions } from '../temporal/tls';
import { createWorkers, runWorkers } from '../worker';
import { warehouseTaskQueueFor } from '../shared/names';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the m365-license and m365-license-warehouse task queues')
    .option('--no-warehouse', 'do not serve the warehouse queue (run exactly one warehouse worker per deployment)')
    .option('--warehouse-only', "serve only the warehouse queue (keeps DuckDB's memory out of the Graph workers)")
    .action(async (opts: { warehouse: boolean; warehouseOnly?: boolean }) => {
      const config = parseConfig();
      const logger = createLogger({ level: config.logLevel });
      // Before the first connection, which would install Temporal's default (stderr) runtime instead.
      installTemporalRuntimeLogger(logger);
      const address = config.temporalAddress ?? 'localhost:7233';
      const connection = await NativeConnection.connect({ address, ...temporalConnectionOptions(config) }).catch((err: unknown) => {
        throw new Error(`Cannot reach a Temporal server at ${address} (${reasonOf(err)}): start one or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_TLS_*).`, {
          cause: err,
        });
      });
      const workers = await createWorkers({
        connection,
        namespace: config.temporalNamespace,
        deps: { config, logger },
        taskQueue: config.taskQueue,
        serveWarehouse: opts.warehouse,
        serveMain: !opts.warehouseOnly,
      });
      const abort = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
      // Operators and scripts wait for this line, whatever the log level.
      process.stderr.write(
        `worker started: ${address}, namespace ${config.temporalNamespace}, ${opts.warehouseOnly ? 'warehouse queue only' : `warehouse queue ${opts.warehouse ? 'served' : 'not served'}`}\n`,
      );
      logger.info({ address, namespace: config.temporalNamespace, taskQueue: config.taskQueue, warehouseTaskQueue: warehouseTaskQueueFor(config.taskQueue) }, 'worker started');
      await runWorkers(workers, abort.signal);
      await connection.close();
      logger.info('worker stopped');
    });
}
