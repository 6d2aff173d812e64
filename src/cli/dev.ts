// `m365-license dev` (what `npm start` runs): everything on one machine, one run, a summary.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { hasTenant, parseConfig, type AppConfig } from '../config';
import { devEnvironmentPath, writeDevEnvironment } from '../dev-environment';
import { DEFAULT_ROLES, startSimulator } from '../simulator';
import { preferredPort, startDevServer, type DevServer } from '../temporal/dev-server';
import { installTemporalRuntime } from '../temporal/runtime';
import { createWorkers, runWorkers } from '../worker';
import { runDevJob, simulatorEnv } from './dev-job';

type Say = (line: string) => void;
type Cleanups = Array<() => Promise<void>>;
type Simulator = Awaited<ReturnType<typeof startSimulator>>;

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a Temporal dev server (unless TEMPORAL_ADDRESS is set), a worker and one pipeline run; print a summary')
    .option('--keep-running', 'leave the server, UI, worker (and simulator) up until Ctrl-C')
    .action(runDev);
}

async function runDev(opts: { keepRunning?: boolean }): Promise<void> {
  let config = parseConfig();
  installTemporalRuntime('WARN');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Stopped in reverse order of starting (the workers' run first), once, on success, failure or a signal.
  const cleanups: Cleanups = [];
  const abort = new AbortController();
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  const onSignal = () => {
    say('\nStopping...');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    let simulator: Simulator | undefined;
    if (!hasTenant(config)) ({ simulator, config } = await startDemoTenant(config, say, cleanups));
    const { address, server } = await temporalServer(config, say, cleanups);
    const client = await startWorkersAndClient(config, address, abort.signal, cleanups);
    if (opts.keepRunning) shareDevEnvironment(config, address, simulator, say, cleanups);

    await runDevJob({ client, config, say, temporalAddress: address, temporalCli: server?.cliPath, uiUrl: server?.uiUrl, simulator, keepRunning: Boolean(opts.keepRunning) });

    if (opts.keepRunning) {
      say('\nEverything stays up until Ctrl-C.');
      await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    await stopAll();
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** No tenant configured: the simulator stands in for one, and the configuration points at it. */
async function startDemoTenant(config: AppConfig, say: Say, cleanups: Cleanups): Promise<{ simulator: Simulator; config: AppConfig }> {
  say('No tenant configured (M365_TENANT_ID etc.): starting the Microsoft 365 tenant simulator with 10,000 users...');
  // With AuditLog.Read.All, so the demo shows sign-in activity next to the usage reports.
  const simulator = await startSimulator({ users: 10_000, seed: 1, dir: path.join(config.dataDir, 'simulator'), roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'] });
  cleanups.push(() => simulator.close());
  const simulated = parseConfig({ ...process.env, ...simulatorEnv(simulator, config.dataDir) });
  say(`Simulator: identity ${simulator.authorityHost}, Graph ${simulator.graphUrl}, CA ${simulator.caFile}`);
  return { simulator, config: simulated };
}

/** The configured Temporal server, or a dev server started here (its state kept in the data directory). */
async function temporalServer(config: AppConfig, say: Say, cleanups: Cleanups): Promise<{ address: string; server?: DevServer }> {
  if (config.temporalAddress) {
    say(`Using the Temporal server at ${config.temporalAddress}`);
    return { address: config.temporalAddress };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const dbFile = path.join(config.dataDir, 'temporal.sqlite');
  say('Starting a Temporal dev server...');
  const server = await startDevServer({
    dbFile,
    port: await preferredPort(7233),
    uiPort: await preferredPort(8233),
    log: say,
  });
  cleanups.push(() => server.stop());
  say(`Temporal dev server: ${server.address} (ready in ${(server.startupMs / 1000).toFixed(1)} s, state in ${dbFile})`);
  say(`Temporal web UI:     ${server.uiUrl}`);
  return { address: server.address, server };
}

/** The workers, running until `signal` aborts, and a client for the run. */
async function startWorkersAndClient(config: AppConfig, address: string, signal: AbortSignal, cleanups: Cleanups): Promise<Client> {
  const workerConnection = await NativeConnection.connect({ address });
  cleanups.push(() => workerConnection.close());
  const workers = await createWorkers({
    connection: workerConnection,
    namespace: config.temporalNamespace,
    deps: { config },
    taskQueue: config.taskQueue,
  });
  const running = runWorkers(workers, signal);
  cleanups.unshift(() => running.catch(() => {}));

  const connection = await Connection.connect({ address });
  cleanups.push(() => connection.close());
  return new Client({ connection, namespace: config.temporalNamespace });
}

/** A second terminal finds this server, its queues and the simulator without exports (removed on exit). */
function shareDevEnvironment(config: AppConfig, address: string, simulator: Simulator | undefined, say: Say, cleanups: Cleanups): void {
  const removeDevEnvironment = writeDevEnvironment(config.dataDir, {
    ...(simulator ? simulatorEnv(simulator, config.dataDir) : { M365_DATA_DIR: config.dataDir }),
    M365_DB: config.dbPath,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: config.temporalNamespace,
    TEMPORAL_TASK_QUEUE: config.taskQueue,
  });
  cleanups.push(async () => removeDevEnvironment());
  say(`Dev environment for other terminals: ${devEnvironmentPath(config.dataDir)} (removed when this stops)`);
}
