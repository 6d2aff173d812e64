// `m365-license worker`: serve both task queues until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../config';
import { logger } from '../logger';
import { createWorkers, runWorkers } from '../worker';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the m365-license and m365-license-warehouse task queues')
    .option('--no-warehouse', 'do not serve the warehouse queue (run exactly one warehouse worker per deployment)')
    .action(async (opts: { warehouse: boolean }) => {
      const config = parseConfig();
      const address = config.temporalAddress ?? 'localhost:7233';
      const connection = await NativeConnection.connect({ address });
      const workers = await createWorkers({ connection, namespace: config.temporalNamespace, deps: { config }, serveWarehouse: opts.warehouse });
      const abort = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
      logger.info({ address, namespace: config.temporalNamespace, warehouse: opts.warehouse }, 'worker started');
      await runWorkers(workers, abort.signal);
      await connection.close();
    });
}
