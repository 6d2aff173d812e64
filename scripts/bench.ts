// End-to-end benchmark: simulated tenants through Temporal (dev server, worker process, simulator process),
// per-stage wall time, rows/s, the worker's peak RSS, and DuckDB alone reading the same staged files.
// Usage: npm run bench [-- --users N] [-- --json] [-- --single-worker]
//        npm run bench -- --history [--days 30] [--users 100000] [--json]   (history: scripts/bench-history.ts)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { simulatorEnv } from '../src/cli/dev-job';
import { startDailySync } from '../src/cli/start-daily';
import { dailySyncStatusQuery } from '../src/workflows/daily-sync-messages';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { closeWarehouse } from '../src/warehouse';
import { physicalLimit } from './lib/duckdb-bare';

const args = process.argv.slice(2);
// --history: successive simulated days through the warehouse load path (scripts/bench-history.ts).
if (args.includes('--history')) {
  await import('./bench-history');
  process.exit(0);
}
const json = args.includes('--json');
// Default: the deployment docs/operations.md recommends, Graph workers apart from the one warehouse writer process.
const singleWorker = args.includes('--single-worker');
const usersArg = args.indexOf('--users');
const sizes = usersArg >= 0 ? [Number(args[usersArg + 1])] : [100_000, 1_000_000];
if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
  process.stderr.write('usage: bench [--users N] [--json]\n');
  process.exit(2);
}
const bin = path.join(import.meta.dirname, '..', 'bin', 'm365-license.mjs');
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

/** Peak resident set of a live process, from the kernel's high-water mark. */
const peakRssMb = (pid: number): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

function startProcess(argv: string[], env: NodeJS.ProcessEnv, readyWhen: RegExp): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, [bin, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const check = (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => readyWhen.test(l));
      if (line) resolve({ child, firstLine: line });
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`${argv[0]} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
};

installTemporalRuntime('WARN');
const server = await startDevServer();
try {
  for (const users of sizes) {
    const dataDir = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), `m365-bench-${users}-`));
    log(`\n== ${users.toLocaleString('en-US')} users ==`);
    const sim = await startProcess(['sim', '--json', '--users', String(users), '--seed', '5', '--dir', path.join(dataDir, 'sim')], {}, /^\{/);
    const simInfo = JSON.parse(sim.firstLine) as Record<string, string>;
    const env = simulatorEnv(
      {
        tenantId: simInfo.tenantId!,
        clientId: simInfo.clientId!,
        clientSecret: simInfo.clientSecret!,
        authorityHost: simInfo.authorityHost!,
        graphUrl: simInfo.graphUrl!,
        caFile: simInfo.caFile!,
      } as Parameters<typeof simulatorEnv>[0],
      dataDir,
    );
    const workerEnv = { ...env, TEMPORAL_ADDRESS: server.address };
    const worker = await startProcess(singleWorker ? ['worker'] : ['worker', '--no-warehouse'], workerEnv, /worker started/);
    const warehouseWorker = singleWorker ? undefined : await startProcess(['worker', '--warehouse-only'], workerEnv, /worker started/);
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const started = performance.now();
      const handle = await startDailySync(client, { tenantId: env.M365_TENANT_ID!, snapshotDate: '2026-11-27' }, { force: true });
      // The worker's resident set per stage, sampled twice a second, shows which stage needs the memory.
      const rssByStage: Record<string, number> = {};
      const sampler = setInterval(() => {
        void handle
          .query(dailySyncStatusQuery)
          .then((st) => {
            const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.child.pid}/status`, 'utf8'));
            const mb = m ? Math.round(Number(m[1]) / 1024) : 0;
            rssByStage[st.stage] = Math.max(rssByStage[st.stage] ?? 0, mb);
          })
          .catch(() => {});
      }, 500);
      const result = await handle.result().finally(() => clearInterval(sampler));
      const endToEnd = (performance.now() - started) / 1000;
      const workerPeak = peakRssMb(worker.child.pid!);
      const warehousePeak = warehouseWorker ? peakRssMb(warehouseWorker.child.pid!) : null;
      const simPeak = peakRssMb(sim.child.pid!);
      const bareMs = await physicalLimit(result.stagingDir, path.join(dataDir, 'bare.duckdb'));
      const s = (k: keyof typeof result.stageMs) => (result.stageMs[k] ?? 0) / 1000;
      const row = {
        users,
        end_to_end_s: +endToEnd.toFixed(2),
        preflight_s: +s('preflight').toFixed(2),
        extract_s: +s('extract').toFixed(2),
        detect_s: +s('detect').toFixed(2),
        load_s: +s('load').toFixed(2),
        duckdb_bare_s: +(bareMs / 1000).toFixed(2),
        load_ratio: +(s('load') / (bareMs / 1000)).toFixed(2),
        extract_users_per_s: Math.round(users / s('extract')),
        load_rows_per_s: Math.round((result.counts.users + result.counts.activityRows + result.counts.assignments) / s('load')),
        worker_peak_rss_mb: workerPeak,
        warehouse_worker_peak_rss_mb: warehousePeak,
        worker_rss_by_stage_mb: rssByStage,
        simulator_peak_rss_mb: simPeak,
        staged_mb: Math.round((result.staged.users.bytes + result.staged.reports.reduce((a, r) => a + r.bytes, 0)) / 1e6),
        status: result.status,
      };
      if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
      else {
        log(`end to end ${row.end_to_end_s} s: preflight ${row.preflight_s} s, extract ${row.extract_s} s (${row.extract_users_per_s} users/s), detect ${row.detect_s} s, load+publish ${row.load_s} s`);
        log(`load ${row.load_s} s vs DuckDB alone ${row.duckdb_bare_s} s: ratio ${row.load_ratio} (goal <= 1.5)`);
        log(`worker peak RSS ${row.worker_peak_rss_mb} MB (goal <= 1024)${warehousePeak === null ? ' (one worker process: Graph + warehouse)' : `, warehouse writer process ${warehousePeak} MB`}, simulator ${row.simulator_peak_rss_mb} MB, staged ${row.staged_mb} MB`);
        log(`worker RSS by stage (MB, sampled): ${JSON.stringify(rssByStage)}`);
      }
    } finally {
      await connection.close();
      await stop(worker.child);
      if (warehouseWorker) await stop(warehouseWorker.child);
      await stop(sim.child);
      await closeWarehouse();
      if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await server.stop();
}
