// Prints how the time-skipping tests start Temporal's test server, building it into the shared cache the first time.
import { findTestServer } from '../src/temporal/test-server';

const started = Date.now();
const found = findTestServer();
process.stderr.write(`Temporal test server ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${found.type === 'existing-path' ? found.path : 'the SDK downloads it at first use'}\n`);
