// The real Temporal server (deploy/temporal-server) for the tests that need it: the drill and the authorizer.
// Built once per machine into the shared cache; here only from the Go module cache (no downloads in tests).
// When it cannot be built offline the tests that need it skip, saying why and what to run.
import { ensureTemporalServer, type TemporalServerBinaries } from '../../src/temporal/server-binary';

let found: Promise<{ bins?: TemporalServerBinaries; skip?: string }> | undefined;

export function realTemporalServer(): Promise<{ bins?: TemporalServerBinaries; skip?: string }> {
  found ??= ensureTemporalServer({ offline: true, log: (l) => process.stderr.write(`${l}\n`) }).then(
    (bins) => ({ bins }),
    (err: Error) => {
      const skip = `the real Temporal server could not be built offline (${err.message.split('\n')[0]}); run \`npm run temporal-server\` once with internet access`;
      process.stderr.write(`SKIPPED: ${skip}\n`);
      return { skip };
    },
  );
  return found;
}
