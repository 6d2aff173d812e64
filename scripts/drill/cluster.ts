// Brings up the topology: PostgreSQL, the Temporal schema and server, the namespace, the simulated tenants and
// the project's replicas from docker-compose.yml; and takes all of it down again. Temporal runs as compose runs it:
// behind mutual TLS with the role authorizer, every process holding the certificate of its role.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseConfig, type AppConfig } from '../../src/config';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { ensureTemporalCli } from '../../src/temporal/cli-binary';
import { createTemporalPki, type TemporalPki, type TemporalRole } from '../../src/temporal/pki';
import { ensureTemporalServer, type TemporalServerBinaries } from '../../src/temporal/server-binary';
import { temporalTls } from '../../src/temporal/tls';
import { startPostgres, type Postgres } from './postgres';
import { Replica } from './processes';
import { authorizerOf, createTemporalSchema, runNamespaceJob, startTemporalServer, type TemporalServer } from './temporal-cluster';
import { startTenants, type DrillTenants, type TenantPlan } from './tenants';
import { composeService, drilledServices, interpolate, projectServices, readCompose, replicaEnvironment, secretFiles, type ComposeFile, type ProjectService } from './topology';

export interface Cluster {
  root: string;
  dataDir: string;
  postgres: Postgres;
  server: TemporalServer;
  tenants: DrillTenants;
  graphWorkers: Replica[];
  writer: Replica;
  /** With the people's certificate: start, decide, ask (what the CLI and the inbox do). */
  client: Client;
  /** With the operators' certificate: schedules. */
  operators: Client;
  config: AppConfig;
  /** The environment of a replica of `service`, with extra variables (a clean run's own queue and directory). */
  envFor(service: ProjectService, extra?: Record<string, string>): Record<string, string>;
  services: ProjectService[];
}

/** Everything started so far, stopped in reverse order, whatever failed. */
export class Teardown {
  private steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => {});
    this.steps = [];
  }
}

/** What an operator puts in the compose file's environment (or .env): the drill's values for its ${VAR}s. */
export function operatorVariables(o: {
  postgresPassword: string;
  firstTenant: { tenantId: string; clientId: string };
  tenantsFile: string;
  temporalTlsDir: string;
}): Record<string, string> {
  return {
    POSTGRES_PASSWORD: o.postgresPassword,
    // What `m365-license temporal-certs` wrote: the compose file's secrets are read from there.
    TEMPORAL_TLS_DIR: o.temporalTlsDir,
    TEMPORAL_NAMESPACE: 'default',
    M365_TENANT_ID: o.firstTenant.tenantId,
    M365_CLIENT_ID: o.firstTenant.clientId,
    M365_TENANTS_FILE: o.tenantsFile,
    M365_RECLAIM_ENABLED: 'true',
    // The writer's debug lines say when a load starts: the drill strikes by them.
    LOG_LEVEL: 'debug',
  };
}

/** The `tls` connection option of a client holding `role`'s certificate, built as the project's processes build it. */
export function tlsOf(pki: TemporalPki, role: TemporalRole) {
  return temporalTls({ temporalTls: { certPath: pki.clients[role].cert, keyPath: pki.clients[role].key, caPath: pki.caFile, serverName: 'temporal' } });
}

export async function startCluster(root: string, plan: TenantPlan, opts: { offline: boolean; say: (l: string) => void }, teardown: Teardown): Promise<Cluster> {
  const { say } = opts;
  teardown.add(async () => rmSync(root, { recursive: true, force: true }));
  const bins = await ensureTemporalServer({ offline: opts.offline, log: say });
  const pki = createTemporalPki(path.join(root, 'temporal-tls'), { days: 2 });
  const postgres = await startPostgres(root, say);
  teardown.add(() => postgres.stop());
  createTemporalSchema(bins, { host: '127.0.0.1', port: postgres.port, user: postgres.user, password: postgres.password });
  say('Temporal schema created (temporal, temporal_visibility)');

  const tenants = await startTenants(path.join(root, 'tenants'), plan);
  teardown.add(() => tenants.close());
  say(`${tenants.sims.length} simulated tenants`);
  const operatorVars = operatorVariables({ postgresPassword: postgres.password, firstTenant: tenants.sims[0]!, tenantsFile: tenants.tenantsFile, temporalTlsDir: pki.dir });
  const compose = readCompose();
  const secrets = secretFiles(operatorVars, compose);

  const server = await startComposeTemporal({ root, bins, postgres, pki, compose, operatorVars, secrets, say }, teardown);

  const dataDir = path.join(root, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const services = drilledServices(projectServices(compose));
  const envFor = (service: ProjectService, extra: Record<string, string> = {}) => ({
    ...replicaEnvironment(service, operatorVars, { 'm365-data': dataDir }, { 'temporal:7233': server.address }, secrets),
    ...extra,
  });
  const config = parseConfig(envFor(services[0]!));
  // Before any worker starts, so no two processes race to create the workers' key.
  ensureApprovalKey(config);
  const logDir = path.join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  const replicas: Replica[] = [];
  for (const s of services) {
    for (let i = 1; i <= s.replicas; i++) replicas.push(new Replica(`${s.name}-${i}`, s.name, s.command, envFor(s), logDir, say));
  }
  teardown.add(async () => {
    for (const r of replicas) await r.close();
  });
  await Promise.all(replicas.map((r) => r.start()));
  const graphWorkers = replicas.filter((r) => services.find((s) => s.name === r.service)!.command.includes('--no-warehouse'));
  const writers = replicas.filter((r) => services.find((s) => s.name === r.service)!.command.includes('--warehouse-only'));
  if (graphWorkers.length < 2 || writers.length !== 1) {
    throw new Error(`docker-compose.yml should run at least two Graph workers and exactly one writer; it runs ${graphWorkers.length} and ${writers.length}`);
  }
  say(`replicas up: ${replicas.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}`);
  const connect = async (role: TemporalRole) => {
    const connection = await Connection.connect({ address: server.address, tls: tlsOf(pki, role) });
    teardown.add(() => connection.close());
    return new Client({ connection });
  };
  const [client, operators] = [await connect('m365-people'), await connect('m365-operators')];
  return { root, dataDir, postgres, server, tenants, graphWorkers, writer: writers[0]!, client, operators, config, envFor, services };
}

interface TemporalParts {
  root: string;
  bins: TemporalServerBinaries;
  postgres: Postgres;
  pki: TemporalPki;
  compose: ComposeFile;
  operatorVars: Record<string, string>;
  secrets: Record<string, string>;
  say: (l: string) => void;
}

/** Compose's temporal service (its environment, its --authorizer) and then its temporal-namespace job, run here. */
async function startComposeTemporal(p: TemporalParts, teardown: Teardown): Promise<TemporalServer> {
  const { root, bins, postgres, pki, compose, operatorVars, secrets, say } = p;
  const serverDir = path.join(root, 'temporal');
  mkdirSync(serverDir, { recursive: true });
  const server = await startTemporalServer({
    bins,
    dir: serverDir,
    // Compose's temporal service environment; only the store's port is the drill's own.
    env: { ...replicaEnvironment(composeService('temporal', compose), operatorVars, {}, { postgresql: '127.0.0.1' }, secrets), DB_PORT: String(postgres.port) },
    authorizer: authorizerOf(compose.services.temporal!.command ?? []),
    ready: async (address) => {
      const c = await Connection.connect({ address, tls: tlsOf(pki, 'm365-operators'), connectTimeout: 2_000 });
      await c.workflowService.getSystemInfo({}).finally(() => c.close());
    },
  });
  teardown.add(() => server.stop());
  say(`Temporal server ${server.address} (pid ${server.pid()}) on PostgreSQL, mutual TLS, role authorizer`);
  const cliDir = path.join(root, 'bin');
  mkdirSync(cliDir, { recursive: true });
  symlinkSync(await ensureTemporalCli({ log: say }), path.join(cliDir, 'temporal'));
  const namespaceJob = composeService('temporal-namespace', compose);
  runNamespaceJob(interpolateScript(compose, operatorVars), replicaEnvironment(namespaceJob, operatorVars, {}, { 'temporal:7233': server.address }, secrets), cliDir);
  say("namespace and search attributes registered (compose's temporal-namespace job, the operators' certificate)");
  return server;
}

/** The namespace job's script as the container's shell gets it (compose turns $$ into $). */
function interpolateScript(compose: ComposeFile, operatorVars: Record<string, string>): string {
  const job = compose.services['temporal-namespace']!;
  return interpolate((job.command ?? []).join('\n'), operatorVars);
}
