// The real Temporal server on PostgreSQL, as the compose file runs it: the schema job (temporal-sql-tool create,
// setup-schema, update-schema for both databases), the server with the image's configuration template
// (deploy/temporal-server/config/temporal.yaml: mutual TLS, an internal frontend), then the namespace job.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { minimalChildEnv } from '../../src/temporal/child-env';
import { SERVER_SOURCE_DIR, type TemporalServerBinaries } from '../../src/temporal/server-binary';

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

/** The server's configuration: a template Temporal renders from the environment, the same file the image runs. */
export const SERVER_CONFIG_FILE = path.join(SERVER_SOURCE_DIR, 'config', 'temporal.yaml');
export const DYNAMIC_CONFIG_FILE = path.join(SERVER_SOURCE_DIR, 'config', 'dynamicconfig.yaml');

/** The template's port variables: compose keeps their defaults; a drill or a test picks free ones. */
export const SERVER_PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'FRONTEND_HTTP_PORT',
  'INTERNAL_FRONTEND_GRPC_PORT',
  'INTERNAL_FRONTEND_MEMBERSHIP_PORT',
  'INTERNAL_FRONTEND_HTTP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

export interface ServerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export type Persistence = { kind: 'postgres'; store: SqlStore } | { kind: 'sqlite-memory' };

/** The template's variables for a server the tests start themselves (the drill takes compose's instead). */
export function serverEnvironment(persistence: Persistence, tls: ServerTls): Record<string, string> {
  const store: Record<string, string> =
    persistence.kind === 'sqlite-memory'
      ? { DB: 'sqlite' }
      : {
          DB: 'postgres12',
          POSTGRES_SEEDS: persistence.store.host,
          DB_PORT: String(persistence.store.port),
          POSTGRES_USER: persistence.store.user,
          POSTGRES_PWD: persistence.store.password,
        };
  return { ...store, TEMPORAL_TLS_CA: tls.caFile, TEMPORAL_TLS_SERVER_CERT: tls.certFile, TEMPORAL_TLS_SERVER_KEY: tls.keyFile, TEMPORAL_TLS_SERVER_NAME: 'temporal' };
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
  /** The configuration template's variables: store, TLS files (compose's temporal service, or serverEnvironment). */
  env: Record<string, string>;
  authorizer?: 'roles' | 'none';
  /** Readiness check: the server takes only mutual TLS, so the caller connects with a certificate of its own. */
  ready: (address: string) => Promise<void>;
  /** Extra dynamic configuration (YAML lines). */
  dynamicConfig?: string;
}

export async function startTemporalServer(opts: StartServerOptions): Promise<TemporalServer> {
  const ports: number[] = [];
  while (ports.length < SERVER_PORT_VARIABLES.length) {
    const p = await freeSmallPort();
    if (!ports.includes(p)) ports.push(p);
  }
  const dynamicConfigFile = path.join(opts.dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, `${readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')}${opts.dynamicConfig ?? ''}`);
  // Only where it runs differs from compose: ports of its own, the frontend on 127.0.0.1, quieter logs.
  const env = {
    ...opts.env,
    ...Object.fromEntries(SERVER_PORT_VARIABLES.map((name, i) => [name, String(ports[i])])),
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    LOG_LEVEL: 'warn',
  };
  const address = `127.0.0.1:${ports[0]}`;
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    child = spawn(opts.bins.server, ['--config-file', SERVER_CONFIG_FILE, '--authorizer', opts.authorizer ?? 'roles'], {
      env: minimalChildEnv([], env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const c = child;
    await readyWithin(
      () => opts.ready(address),
      90_000,
      c,
      () => output,
    );
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

/** The server's --authorizer in a compose command (the server's own default: roles). */
export function authorizerOf(command: readonly string[]): 'roles' | 'none' {
  const i = command.indexOf('--authorizer');
  const mode = i < 0 ? 'roles' : command[i + 1];
  if (mode !== 'roles' && mode !== 'none') throw new Error(`unknown --authorizer ${mode}`);
  return mode;
}

/** The compose file's temporal-namespace job, run as written: its shell script, the Temporal CLI from `cliDir`. */
export function runNamespaceJob(script: string, env: Record<string, string>, cliDir: string): void {
  const r = spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: minimalChildEnv([], { ...env, PATH: `${cliDir}${path.delimiter}${process.env.PATH ?? ''}` }),
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`the temporal-namespace job failed (exit ${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
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
