// The `m365-license` command line: one file per command, wired here.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadDotEnv } from '../config';
import { applyDevEnvironment } from '../dev-environment';
import { registerAuth } from './reclaim/auth';
import { registerCandidates } from './candidates';
import { registerContracts } from './contracts';
import { registerDev } from './dev';
import { registerDropFuture } from './drop-future';
import { registerImport } from './import';
import { registerPrices } from './prices';
import { registerPublish } from './publish';
import { registerQuery } from './query';
import { registerReclaim } from './reclaim/command';
import { registerReport } from './report';
import { registerExport } from './export';
import { registerSim } from './sim';
import { registerRun } from './run';
import { registerSavings } from './savings';
import { registerSchedule } from './schedule';
import { registerServe } from './serve';
import { registerSettings } from './settings';
import { registerTemporalCerts } from './temporal-certs';
import { registerWorker } from './worker';
import { UsageError } from './usage-error';
import { safeText } from './output/sanitize';
import { applyPrivateUmask } from '../warehouse/index';

// Before anything is written: the pipeline's files are its own (0600/0700); publish widens the one file analysts read.
applyPrivateUmask();
loadDotEnv();

const program = new Command()
  .name('m365-license')
  .description('Microsoft 365 license and usage pipeline: daily snapshots in DuckDB, human-approved license reclamation.')
  .showHelpAfterError()
  .exitOverride();

// Every command but `dev` and `sim` finds a running `dev --keep-running` when no tenant is configured.
program.hook('preAction', (_program, action) => {
  let top = action;
  while (top.parent && top.parent !== program) top = top.parent;
  if (top.name() !== 'dev' && top.name() !== 'sim') applyDevEnvironment(process.env, (line) => process.stderr.write(`${line}\n`));
});

registerRun(program);
registerSchedule(program);
registerImport(program);
registerPublish(program);
registerDropFuture(program);
registerQuery(program);
registerCandidates(program);
registerSettings(program);
registerReport(program);
registerExport(program);
registerReclaim(program);
registerPrices(program);
registerContracts(program);
registerSavings(program);
registerAuth(program);
registerServe(program);
registerSim(program);
registerDev(program);
registerWorker(program);
registerTemporalCerts(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; anything else commander rejects is a usage error.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${safeText(err.message)}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  // Messages can carry data (a DuckDB error quoting a value): no control characters reach the terminal.
  process.stderr.write(`${err instanceof ConfigError ? '' : 'Error: '}${safeText(message)}\n`);
  process.exit(1);
}
