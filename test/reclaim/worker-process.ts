// A worker in its own process, so the crash test can SIGKILL it mid-activity. Configuration comes from the
// environment (M365_* as usual); RECLAIM_TEST_QUEUE, RECLAIM_TEST_WAREHOUSE_QUEUE, RECLAIM_TEST_BUNDLE and
// TEMPORAL_ADDRESS name the rest.
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../../src/config';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { createWorkers, runWorkers } from '../../src/worker';

installTemporalRuntime('WARN');
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const workers = await createWorkers({
  connection,
  namespace: 'default',
  deps: { config: parseConfig() },
  workflowBundlePath: process.env.RECLAIM_TEST_BUNDLE,
  taskQueue: process.env.RECLAIM_TEST_QUEUE,
  warehouseTaskQueue: process.env.RECLAIM_TEST_WAREHOUSE_QUEUE,
});
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());
process.stdout.write('worker ready\n');
await runWorkers(workers, abort.signal);
await connection.close();
