// Benchmark against Graph as it really behaves: the simulator's realistic profile (published limits, latencies with
// a tail, expiring links) on a scaled clock, the real workers and Temporal. One JSON object per scenario with the
// least time the configured limits allow for the work done (limit_s, from the request counts), the measured time
// (both in simulated seconds), requests, 429s, tenants and the Graph worker's peak memory.
// Usage: npm run bench -- --realistic --scenario tenant-1m-day1|tenant-1m-day2 [--users N] [--time-scale X] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { simulatorEnv } from '../src/cli/dev-job';
import { startDailySync } from '../src/cli/start-daily';
import { DEFAULT_ROLES, startSimulator, type RequestLogEntry, type SimulatorHandle } from '../src/simulator/index';
import { chargeOf } from '../src/simulator/throttling';
import type { Endpoint } from '../src/simulator/faults';
import { tenantRuFor, type RealisticLimits } from '../src/simulator/profile';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { addDays, peakRssMb, startCli, stopCli } from './lib/cli-processes';

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const json = args.includes('--json');
const scenario = valueOf('--scenario') ?? 'tenant-1m-day1';
const users = Number(valueOf('--users') ?? 1_000_000);
const timeScale = Number(valueOf('--time-scale') ?? 0.01);
if (!['tenant-1m-day1', 'tenant-1m-day2'].includes(scenario) || !Number.isInteger(users) || users <= 0 || !(timeScale > 0)) {
  process.stderr.write('usage: bench --realistic --scenario tenant-1m-day1|tenant-1m-day2 [--users N] [--time-scale X] [--json]\n(the fleet scenario is not implemented yet)\n');
  process.exit(2);
}
const FIRST_DATE = '2026-11-27';
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

/**
 * The least simulated time the configured limits allow for the requests that succeeded: for each bucket, what it
 * spent beyond its capacity at its refill rate. Latency is not a limit and is not counted here.
 */
export function limitSeconds(entries: RequestLogEntry[], l: RealisticLimits, tenantUsers: number): number {
  let ru = 0;
  let signIn = 0;
  const reports = new Map<string, number>();
  for (const e of entries) {
    if (e.status === 429 || !e.endpoint || e.endpoint === 'token' || e.endpoint === 'oidc' || e.endpoint === 'download') continue;
    const url = new URL(e.path, 'https://sim.invalid');
    const c = chargeOf(e.endpoint as Endpoint, e.method, url, url.pathname.split('/').slice(2).join('/'));
    ru += c.ru;
    if (c.signIn) signIn++;
    if (c.report) reports.set(`${c.report.name}|${c.report.format}`, (reports.get(`${c.report.name}|${c.report.format}`) ?? 0) + 1);
  }
  const beyond = (used: number, capacity: number, windowS: number) => (used <= capacity ? 0 : ((used - capacity) * windowS) / capacity);
  const tenantRu = tenantRuFor(l, tenantUsers);
  const parts = [
    beyond(ru, tenantRu, 10),
    beyond(ru, l.appRu, 20),
    beyond(signIn, Math.min(l.signInPerMinTenant, l.signInPerMinApp), 60),
    ...[...reports].map(([k, n]) => beyond(n, k.endsWith('|csv') ? l.reportCsvPer10Min : l.reportJsonPer10Min, 600)),
  ];
  return Math.max(0, ...parts);
}

/** One daily run of simulated day `day` (1 = first) against `sim`; returns the measured real seconds and status. */
async function runDay(sim: SimulatorHandle, dataDir: string, serverAddress: string, day: number): Promise<{ wallS: number; status: string; workerPeakMb: number; publishes: number }> {
  const env = {
    ...simulatorEnv(sim, dataDir),
    TEMPORAL_ADDRESS: serverAddress,
    LOG_LEVEL: 'info',
    // The pipeline's own paces follow the simulated clock: Graph's 10 sign-in pages a minute, the slow-down pause.
    M365_SIGNIN_PER_MINUTE: String(10 / timeScale),
    M365_GRAPH_PACE_MS: String(Math.max(1, Math.round(1000 * timeScale))),
    M365_USERS_DELTA: 'always',
  };
  const worker = await startCli(['worker', '--no-warehouse'], env, /worker started/);
  const writer = await startCli(['worker', '--warehouse-only'], env, /worker started/);
  const connection = await Connection.connect({ address: serverAddress });
  try {
    const client = new Client({ connection });
    const started = performance.now();
    const snapshotDate = addDays(FIRST_DATE, day - 1);
    const handle = await startDailySync(client, { tenantId: sim.tenantId, snapshotDate }, { force: true });
    const result = await handle.result();
    const wallS = (performance.now() - started) / 1000;
    const publishes = writer.lines.filter((l) => l.includes('"msg":"published"')).length;
    return { wallS, status: result.status, workerPeakMb: peakRssMb(worker.child.pid!), publishes };
  } finally {
    await connection.close();
    await stopCli(worker.child);
    await stopCli(writer.child);
  }
}

installTemporalRuntime('WARN');
const server = await startDevServer();
const dataDir = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), `m365-bench-realistic-${users}-`));
try {
  const days = scenario === 'tenant-1m-day2' ? [1, 2] : [1];
  const rows: Record<string, unknown>[] = [];
  for (const day of days) {
    const sim = await startSimulator({
      users, seed: 5, today: FIRST_DATE, day: day - 1, dir: path.join(dataDir, 'sim'),
      profile: 'realistic', timeScale, roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'],
    });
    try {
      const run = await runDay(sim, dataDir, server.address, day);
      const graph = sim.requestLog.filter((e) => e.endpoint && e.endpoint !== 'token' && e.endpoint !== 'oidc');
      const limit = limitSeconds(graph, sim.limiter.profile.limits, sim.state.liveCount);
      const measured = run.wallS / timeScale;
      const limited = graph.filter((e) => e.endpoint === 'users' && /signinactivity/i.test(e.path) && e.status !== 429).length;
      rows.push({
        scenario: day === 1 ? 'tenant-1m-day1' : 'tenant-1m-day2',
        users,
        time_scale: timeScale,
        limit_s: Math.round(limit),
        measured_s: Math.round(measured),
        ratio: limit > 0 ? +(measured / limit).toFixed(2) : null,
        requests: graph.length,
        throttled: graph.filter((e) => e.status === 429).length,
        throttled_by: Object.fromEntries(sim.limiter.throttled),
        sign_in_pages: limited,
        succeeded_tenants: run.status === 'failed' ? 0 : 1,
        failed_tenants: run.status === 'failed' ? 1 : 0,
        publishes: run.publishes,
        worker_peak_rss_mb: run.workerPeakMb,
        status: run.status,
      });
    } finally {
      await sim.close();
    }
  }
  const wanted = rows.filter((r) => r.scenario === scenario);
  for (const r of wanted) {
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else log(Object.entries(r).map(([k, v]) => `${k}=${String(v)}`).join(' '));
  }
  if (scenario === 'tenant-1m-day2' && !json) log(`day 1 for comparison: ${JSON.stringify(rows[0])}`);
} finally {
  await server.stop();
  if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
}
