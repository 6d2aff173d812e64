// Prints the paths of the real Temporal server and its SQL schema tool, building them into the shared cache the
// first time (the drill and its CI test use them). --offline: only the Go module cache, no downloads.
import { ensureTemporalServer } from '../src/temporal/server-binary';

const started = Date.now();
const bins = await ensureTemporalServer({ offline: process.argv.includes('--offline') });
process.stderr.write(`Temporal server ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${bins.server}\n${bins.sqlTool}\n${bins.postgresSchemaDir}\n`);
