// Prints the path of a Temporal CLI binary, building it into the shared cache the first time.
import { ensureTemporalCli } from '../src/temporal/cli-binary';

const started = Date.now();
const cli = await ensureTemporalCli();
process.stderr.write(`Temporal CLI ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${cli}\n`);
