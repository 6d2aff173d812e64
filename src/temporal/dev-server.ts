// Starts `temporal server start-dev` and waits for it with a patient readiness loop
// (the SDK's own helper gives up after 5 s, too short for a cold start on 2 cores).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES, cliTypeOf } from '../shared/search-attributes';
import { minimalChildEnv } from './child-env';
import { ensureTemporalCli } from './cli-binary';

export interface DevServer {
  address: string;
  uiUrl?: string;
  cliPath: string;
  pid: number;
  startupMs: number;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `port` when it is free (so a persistent dev server keeps its usual address), else any free port. */
export async function preferredPort(port: number, host = '127.0.0.1'): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
  return free ? port : freePort(host);
}

/** Polls the frontend until it answers a real RPC, or fails with what the server printed. */
export async function waitForServer(address: string, timeoutMs: number, child?: ChildProcess, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`temporal server exited with code ${child.exitCode} before it was ready:\n${output?.() ?? ''}`);
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal server at ${address} not ready after ${timeoutMs / 1000} s: ${String(lastError)}\n${output?.() ?? ''}`);
}

export interface StartDevServerOptions {
  /** SQLite file for a persistent server; in-memory when absent. */
  dbFile?: string;
  /** Serve the web UI on this port (headless when absent). */
  uiPort?: number;
  port?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function startDevServer(opts: StartDevServerOptions = {}): Promise<DevServer> {
  const cliPath = await ensureTemporalCli({ log: opts.log });
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  // The approver's inbox filters on these (registering an existing one again is accepted).
  for (const a of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${a.name}=${cliTypeOf(a.type)}`);
  const started = Date.now();
  // A minimal environment: the dev server must never see M365_CLIENT_SECRET or other pipeline settings.
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: minimalChildEnv() });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForServer(address, opts.readyTimeoutMs ?? 60_000, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    cliPath,
    pid: child.pid ?? -1,
    startupMs: Date.now() - started,
    stop,
  };
}
