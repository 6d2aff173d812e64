// Benchmark against Graph as it really behaves: the simulator's realistic profile (published limits, latencies with
// a tail, expiring links) on a scaled clock, the real workers and Temporal. One JSON object per scenario with the
// least time the configured limits allow for the work done (limit_s, from the request counts), the measured time
// (both in simulated seconds), requests, 429s, tenants and the Graph worker's peak memory.
// Usage: npm run bench -- --realistic --scenario tenant-1m-day1|tenant-1m-day2|fleet [--users N] [--tenants N] [--time-scale X] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { simulatorEnv } from '../src/cli/dev-job';
import { startDailySync } from '../src/cli/start-daily';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../src/simulator/index';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { graphRequests, limitSeconds, publishesIn } from './bench-realistic-lib';
import { peakRssMb, startCli, stopCli } from './lib/cli-processes';
import { runFleet } from './bench-fleet';

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const json = args.includes('--json');
const scenario = valueOf('--scenario') ?? 'tenant-1m-day1';
const fleet = scenario === 'fleet';
const users = Number(valueOf('--users') ?? (fleet ? 50_000 : 1_000_000));
const tenants = Number(valueOf('--tenants') ?? 1000);
const jitterMinutes = Number(valueOf('--jitter') ?? 30);
const tenantUsers = valueOf('--tenant-users') === undefined ? undefined : Number(valueOf('--tenant-users'));
const noSignIns = args.includes('--no-sign-ins');
const timeScale = Number(valueOf('--time-scale') ?? 0.01);
const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
if (
  !['tenant-1m-day1', 'tenant-1m-day2', 'fleet'].includes(scenario) ||
  !whole(users, 1) ||
  !whole(tenants, 1) ||
  !(jitterMinutes >= 0) ||
  !(timeScale > 0) ||
  (tenantUsers !== undefined && !whole(tenantUsers, 1))
) {
  process.stderr.write(
    'usage: bench --realistic --scenario tenant-1m-day1|tenant-1m-day2|fleet [--users N] [--time-scale X] [--json]\n' +
      '       fleet: [--tenants N (small tenants of 300 users, default 1000; one of --users per 50)] [--users N (default 50000)] [--jitter MIN (default 30)]\n' +
      '              [--tenant-users N (users of each small tenant, default 300)] [--no-sign-ins (the app cannot read sign-ins)]\n',
  );
  process.exit(2);
}
const FIRST_DATE = '2026-11-27';
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

/** One daily run of simulated day `day` (1 = first) against `sim`; returns the measured real seconds and status. */
async function runDay(
  sim: SimulatorHandle,
  dataDir: string,
  serverAddress: string,
  day: number,
): Promise<{ wallS: number; status: string; workerPeakMb: number; publishes: number }> {
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
    const snapshotDate = new Date(Date.parse(`${FIRST_DATE}T00:00:00Z`) + (day - 1) * 86_400_000).toISOString().slice(0, 10);
    const handle = await startDailySync(client, { tenantId: sim.tenantId, snapshotDate }, { force: true });
    const result = await handle.result();
    const wallS = (performance.now() - started) / 1000;
    const publishes = publishesIn(writer.lines);
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
  if (fleet) {
    const row = await runFleet({ tenants, users, tenantUsers, noSignIns, timeScale, jitterMinutes, dataDir, serverAddress: server.address, log });
    if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
    else {
      const { tenant_outcomes: outcomes, ...summary } = row as { tenant_outcomes: Array<Record<string, unknown>> };
      log(
        Object.entries(summary)
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(' '),
      );
      for (const t of outcomes) log(`  ${String(t.tenant)} (${String(t.users)} users): ${String(t.status)} at ${String(t.measured_s)} s${t.error ? `: ${String(t.error)}` : ''}`);
    }
  }
  const days = fleet ? [] : scenario === 'tenant-1m-day2' ? [1, 2] : [1];
  const rows: Record<string, unknown>[] = [];
  for (const day of days) {
    const sim = await startSimulator({
      users,
      seed: 5,
      today: FIRST_DATE,
      day: day - 1,
      dir: path.join(dataDir, 'sim'),
      profile: 'realistic',
      timeScale,
      roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'],
    });
    try {
      const run = await runDay(sim, dataDir, server.address, day);
      const graph = graphRequests(sim.requestLog);
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
    else
      log(
        Object.entries(r)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' '),
      );
  }
  if (scenario === 'tenant-1m-day2' && !json) log(`day 1 for comparison: ${JSON.stringify(rows[0])}`);
} finally {
  await server.stop();
  if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
}
