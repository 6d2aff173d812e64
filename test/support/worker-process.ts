// A worker in its own process, so a test can SIGKILL it. Configuration comes from the environment
// (M365_* as usual); TEST_TASK_QUEUE (the warehouse queue follows from it), TEST_WORKFLOW_BUNDLE and TEMPORAL_ADDRESS name the rest.
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../../src/config';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { createWorkers, runWorkers } from '../../src/worker';

installTemporalRuntime('WARN');
const config = parseConfig();
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const workers = await createWorkers({
  connection,
  namespace: 'default',
  deps: { config },
  workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
  taskQueue: process.env.TEST_TASK_QUEUE,
});
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());
process.stdout.write('worker ready\n');
await runWorkers(workers, abort.signal);
await connection.close();
