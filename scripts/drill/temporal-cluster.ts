// The real Temporal server on PostgreSQL, as the compose file runs it: the schema job (temporal-sql-tool create,
// setup-schema, update-schema for both databases), the server with a generated configuration, then the namespace
// job (namespace and the project's search attributes).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { minimalChildEnv } from '../../src/temporal/child-env';
import { waitForServer } from '../../src/temporal/dev-server';
import type { TemporalServerBinaries } from '../../src/temporal/server-binary';

export interface SqlStore {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The databases and the steps of the compose file's temporal-schema job (a test holds the two together). */
export const SCHEMA_DATABASES = { temporal: 'temporal', temporal_visibility: 'visibility' } as const;
export const SCHEMA_STEPS = [
  { args: ['create'], mayFail: true },
  { args: ['setup-schema', '-v', '0.0'], mayFail: true },
  { args: ['update-schema', '-d'], mayFail: false },
] as const;
export const SCHEMA_PLUGIN = 'postgres12';

/** What the compose file's temporal-schema job runs, with the tool built beside the server. */
export function createTemporalSchema(bins: TemporalServerBinaries, store: SqlStore): void {
  for (const [db, dir] of Object.entries(SCHEMA_DATABASES)) {
    const base = ['--plugin', SCHEMA_PLUGIN, '--ep', store.host, '-u', store.user, '-p', String(store.port), '--pw', store.password, '--db', db];
    for (const step of SCHEMA_STEPS) {
      const args = step.args[0] === 'update-schema' ? [...step.args, path.join(bins.postgresSchemaDir, dir, 'versioned')] : [...step.args];
      const r = spawnSync(bins.sqlTool, [...base, ...args], { encoding: 'utf8', env: minimalChildEnv() });
      if (r.status !== 0 && !step.mayFail) throw new Error(`temporal-sql-tool ${args.join(' ')} on ${db} failed:\n${r.stderr || r.stdout}`);
    }
  }
}

export interface ServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** false: TLS without client certificates (callers identify with an API key); default true. */
  requireClientAuth?: boolean;
}

export type Persistence = { kind: 'postgres'; store: SqlStore } | { kind: 'sqlite-memory' };

function datastore(p: Persistence, db: string): string {
  if (p.kind === 'sqlite-memory') {
    return `      sql:
        pluginName: "sqlite"
        databaseName: "${db}"
        connectAddr: "localhost"
        connectProtocol: "tcp"
        connectAttributes: { mode: "memory", cache: "private" }
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: "1h"`;
  }
  return `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${p.store.host}:${p.store.port}"
        connectProtocol: "tcp"
        user: "${p.store.user}"
        password: "${p.store.password}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: "1h"`;
}

function tlsBlock(tls: ServerTls | undefined): string {
  if (!tls) return '';
  return `  tls:
    frontend:
      server:
        certFile: "${tls.certFile}"
        keyFile: "${tls.keyFile}"
        requireClientAuth: ${tls.requireClientAuth ?? true}
        clientCaFiles: ["${tls.caFile}"]
      client:
        serverName: "localhost"
        rootCaFiles: ["${tls.caFile}"]
    systemWorker:
      certFile: "${tls.certFile}"
      keyFile: "${tls.keyFile}"
      client:
        serverName: "localhost"
        rootCaFiles: ["${tls.caFile}"]
`;
}

/**
 * One process, every service, ports of its own (several drills or tests may run side by side). With TLS, the
 * server's own system worker (schedules, scanners) presents the server's certificate to the frontend, which the
 * authorizer must know: its unit is the operators'.
 */
export function serverConfigYaml(opts: { persistence: Persistence; ports: number[]; tls?: ServerTls; dynamicConfigFile: string }): string {
  const [frontend, frontendMember, history, historyMember, matching, matchingMember, worker, workerMember, http, metrics] = opts.ports;
  const service = (grpc: number | undefined, member: number | undefined, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${member}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${datastore(opts.persistence, opts.persistence.kind === 'postgres' ? 'temporal' : 'default')}
    visibility:
${datastore(opts.persistence, opts.persistence.kind === 'postgres' ? 'temporal_visibility' : 'default')}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      listenAddress: "127.0.0.1:${metrics}"
${tlsBlock(opts.tls)}services:
  frontend:
${service(frontend, frontendMember, `\n      httpPort: ${http}`)}
  history:
${service(history, historyMember)}
  matching:
${service(matching, matchingMember)}
  worker:
${service(worker, workerMember)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "localhost:${frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${opts.dynamicConfigFile}"
  pollInterval: "10s"
`;
}

/** A free port below 32768: Temporal stores membership ports in a PostgreSQL smallint. */
async function freeSmallPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer().once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 for the Temporal server');
}

export interface TemporalServer {
  address: string;
  pid(): number;
  /** SIGKILL (a crashed host), then start again on the same store and ports. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export interface StartServerOptions {
  bins: TemporalServerBinaries;
  dir: string;
  persistence: Persistence;
  tls?: ServerTls;
  authorizer?: 'roles' | 'none';
  /** Readiness check: without TLS a plain connection; with TLS the caller's own. */
  ready?: (address: string) => Promise<void>;
  /** Extra environment of the server (TEMPORAL_API_KEYS_FILE). */
  env?: Record<string, string>;
  /** Extra dynamic configuration (YAML lines). */
  dynamicConfig?: string;
}

export async function startTemporalServer(opts: StartServerOptions): Promise<TemporalServer> {
  const ports: number[] = [];
  while (ports.length < 10) {
    const p = await freeSmallPort();
    if (!ports.includes(p)) ports.push(p);
  }
  const configFile = path.join(opts.dir, 'temporal-server.yaml');
  const dynamicConfigFile = path.join(opts.dir, 'dynamicconfig.yaml');
  // Visibility queries the approver's inbox relies on; the rest keeps Temporal's defaults.
  writeFileSync(dynamicConfigFile, `system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n${opts.dynamicConfig ?? ''}`);
  writeFileSync(configFile, serverConfigYaml({ persistence: opts.persistence, ports, tls: opts.tls, dynamicConfigFile }), { mode: 0o600 });
  const address = `127.0.0.1:${ports[0]}`;
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    child = spawn(opts.bins.server, ['--config-file', configFile, '--authorizer', opts.authorizer ?? 'none'], {
      env: minimalChildEnv([], opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const c = child;
    if (opts.ready)
      await readyWithin(
        () => opts.ready!(address),
        90_000,
        c,
        () => output,
      );
    else await waitForServer(address, 90_000, c, () => output);
  };
  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    address,
    pid: () => child?.pid ?? -1,
    async restart(downMs) {
      await kill('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: () => kill('SIGTERM'),
    output: () => output,
  };
}

async function readyWithin(check: () => Promise<void>, ms: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal-server exited with ${child.exitCode}:\n${output()}`);
    try {
      await check();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`temporal-server not ready after ${ms / 1000} s: ${String(last)}\n${output()}`);
}

/** What the compose file's temporal-namespace job does: the namespace, then the inbox's search attributes. */
export async function registerNamespace(address: string, namespace: string, auth: Pick<ConnectionOptions, 'tls' | 'apiKey'> = {}): Promise<void> {
  const connection = await Connection.connect({ address, ...auth });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('30 days') });
    } catch (err) {
      if (!/already exists/i.test(String(err))) throw err;
    }
    const types = { KEYWORD: 2, INT: 3 } as const;
    const searchAttributes: Record<string, number> = {};
    for (const a of CUSTOM_SEARCH_ATTRIBUTES) searchAttributes[a.name] = types[a.type as keyof typeof types] ?? types.KEYWORD;
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    } catch (err) {
      if (!/already exists/i.test(String(err))) throw err;
    }
    // A new namespace reaches every service's cache within seconds; wait until one describe succeeds.
    for (let i = 0; i < 60; i++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}
