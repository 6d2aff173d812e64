// `npm run drill`: the production topology of docker-compose.yml run for real (PostgreSQL, the Temporal server,
// two Graph workers, one warehouse writer, one shared data directory, many simulated tenants), with faults struck
// while the daily runs and reclamations are in flight; prints what happened and whether anything was lost or doubled.
//   --tenants N   simulated tenants, all scheduled at the same minute (default 200)
//   --users N     users per tenant (default 300; the tenant a worker dies in mid-walk has 20x as many)
//   --json        last line: one JSON object with the verdict
//   --offline     build the Temporal server only from the Go module cache
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { todayUtc } from '../src/shared/snapshot-date';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { startCluster, Teardown } from './drill/cluster';
import type { DrillContext } from './drill/context';
import { runScenario, type DrillResult } from './drill/scenario';

const USAGE = 'usage: npm run drill -- [--tenants N (>= 3, default 200)] [--users N (>= 100, default 300)] [--json] [--offline]';

function parseArgs(argv: string[]): { tenants: number; users: number; json: boolean; offline: boolean } {
  const out = { tenants: 200, users: 300, json: false, offline: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--offline') out.offline = true;
    else if (a === '--tenants' || a === '--users') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (a === '--tenants' ? 3 : 100)) usage(`${a} needs a whole number of at least ${a === '--tenants' ? 3 : 100}, got "${argv[i] ?? ''}"`);
      out[a === '--tenants' ? 'tenants' : 'users'] = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else usage(`unknown option "${a}"`);
  }
  return out;
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  process.exit(2);
}

function printTable(result: DrillResult, say: (l: string) => void): void {
  const rows = [
    ['fault', 'at_s', 'what followed', 'recovered_s'],
    ...result.faults.map((f) => [f.fault, f.at_s.toFixed(1), f.followed, f.recovered_s === null ? 'never' : f.recovered_s.toFixed(1)]),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    say(r.map((cell, c) => (c === 1 || c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
    if (i === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  say('');
  const check = (ok: boolean, text: string) => say(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  check(
    result.runs_succeeded === result.runs_expected,
    `every daily run succeeded exactly once: ${result.runs_succeeded}/${result.runs_expected} tenants with one succeeded row in runs`,
  );
  check(result.duplicate_rows === 0, `no duplicate rows in any current table or history partition: ${result.duplicate_rows}`);
  check(result.answers_equal_clean_run, `the warehouse answers as a clean single-process run of the same simulated day: ${result.answers_compared} tables and views compared`);
  check(
    result.reclamations_executed_once === result.reclamations_approved,
    `every approved reclamation removed its licences exactly once: ${result.reclamations_executed_once}/${result.reclamations_approved}`,
  );
  check(result.wrongly_removed === 0, `no rejected or pending reclamation removed anything: ${result.wrongly_removed} wrong removals`);
  check(result.half_published === 0, `nothing left half-published: ${result.half_published} temporary copies`);
  for (const p of result.problems) say(`  - ${p}`);
  say(result.ok ? 'VERDICT: nothing lost, nothing doubled' : 'VERDICT: FAILED');
}

const args = parseArgs(process.argv.slice(2));
installTemporalRuntime('ERROR');
const started = Date.now();
const say = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const teardown = new Teardown();
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: cleaning up`);
    void teardown.run().then(() => process.exit(130));
  });
}

// Whatever fails unexpectedly, the processes and directories the drill made are removed.
process.on('unhandledRejection', (err) => {
  say(`drill failed: ${(err as Error)?.stack ?? String(err)}`);
  if (args.json) process.stdout.write(`${JSON.stringify({ ok: false, error: String((err as Error)?.message ?? err) })}\n`);
  void teardown.run().then(() => process.exit(1));
});

let exitCode = 1;
try {
  const root = mkdtempSync(path.join(os.tmpdir(), 'm365-drill-'));
  const plan = { count: args.tenants, users: args.users, walkTenantUsers: args.users * 20, today: todayUtc() };
  const cluster = await startCluster(root, plan, { offline: args.offline, say }, teardown);
  const ctx: DrillContext = {
    started,
    client: cluster.client,
    taskQueue: cluster.config.taskQueue,
    snapshotDate: plan.today,
    graphWorkers: cluster.graphWorkers,
    writer: cluster.writer,
    server: cluster.server,
    postgres: cluster.postgres,
    tenants: cluster.tenants,
    dataDir: cluster.dataDir,
    faults: [],
    say,
  };
  const result = await runScenario(cluster, plan, ctx, teardown);
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out('');
  printTable(result, out);
  if (args.json) out(JSON.stringify(result));
  exitCode = result.ok ? 0 : 1;
} catch (err) {
  say(`drill failed: ${(err as Error).stack ?? String(err)}`);
  if (args.json) process.stdout.write(`${JSON.stringify({ ok: false, error: String((err as Error).message ?? err) })}\n`);
} finally {
  await teardown.run();
}
process.exit(exitCode);
