// The full users walk alone, plain and sharded, against the simulator's realistic profile (published limits, page
// latencies that grow with the rows, a scaled clock): the extractUsers activity run outside a worker, once with
// M365_USERS_SHARDS=1 and once with shards, on the same tenant without sign-in permission. Prints simulated seconds,
// requests and 429s of each.
// Usage: node --import tsx scripts/bench-users-walk.ts [--users N] [--shards N] [--time-scale X] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExtractActivities, type StagedUsers } from '../src/activities/extract';
import { createGraphFactory } from '../src/activities/graph-context';
import { simulatorEnv } from '../src/cli/dev-job';
import { parseConfig } from '../src/config';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index';

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const users = Number(valueOf('--users') ?? 50_000);
const shards = Number(valueOf('--shards') ?? 8);
const timeScale = Number(valueOf('--time-scale') ?? 0.1);
if (!Number.isInteger(users) || users < 1 || !Number.isInteger(shards) || shards < 2 || !(timeScale > 0)) {
  process.stderr.write('usage: bench-users-walk [--users N (default 50000)] [--shards N >= 2 (default 8)] [--time-scale X (default 0.1)] [--json]\n');
  process.exit(2);
}

const quiet = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface Walk {
  mode: string;
  simulated_s: number;
  requests: number;
  count_requests: number;
  throttled: number;
  users: number;
}

/** One extractUsers run on a fresh data directory; simulated seconds are the wall time over the time scale. */
async function walk(sim: SimulatorHandle, mode: string, shardsAtOnce: number): Promise<Walk> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-bench-walk-'));
  const env = { ...simulatorEnv(sim, dataDir), M365_GRAPH_PACE_MS: String(Math.max(1, Math.round(1000 * timeScale))) };
  const graphFor = createGraphFactory(parseConfig(env));
  const extract = createExtractActivities({ dataDir, graphFor, shards: { shards: shardsAtOnce, minUsers: 1 } });
  // The token first, so both walks time Graph's pages only.
  await graphFor(sim.tenantId).tokens.getToken({ forceRefresh: false });
  const before = sim.requestLog.length;
  const started = performance.now();
  try {
    const staged = (await new MockActivityEnvironment({}, { logger: quiet }).run(extract.extractUsers, { tenantId: sim.tenantId, runId: mode })) as StagedUsers;
    const seconds = (performance.now() - started) / 1000 / timeScale;
    const log = sim.requestLog.slice(before).filter((e) => e.endpoint === 'users');
    return {
      mode,
      simulated_s: Math.round(seconds * 10) / 10,
      requests: log.length,
      count_requests: log.filter((e) => e.path.startsWith('/v1.0/users/$count')).length,
      throttled: log.filter((e) => e.status === 429).length,
      users: staged.count,
    };
  } finally {
    await graphFor(sim.tenantId).tokens.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sim = await startSimulator({ users, seed: 77, profile: 'realistic', timeScale });
try {
  const results = [await walk(sim, 'sequential', 1), await walk(sim, `sharded-${shards}`, shards)];
  for (const r of results)
    process.stdout.write(
      args.includes('--json')
        ? `${JSON.stringify(r)}\n`
        : `${r.mode}: ${r.simulated_s} simulated s, ${r.requests} requests (${r.count_requests} $count), ${r.throttled} throttled, ${r.users} users\n`,
    );
} finally {
  await sim.close();
}
