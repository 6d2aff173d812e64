// End-to-end benchmark of the path users run: simulated tenants through Temporal (dev server, a Graph worker, the
// separate warehouse writer process, the simulator), per stage wall time, each process's peak RSS, the load's steps
// as the writer logs them, and DuckDB alone reading the same staged files (the physical limit of the load).
// Usage: npm run bench [-- --users N] [-- --days D] [-- --json] [-- --single-worker]
//        npm run bench -- --history [--days 30] [--users 100000] [--json]   (history: scripts/bench-history.ts)
//        npm run bench -- --realistic --scenario tenant-1m-day1 [--users N] [--time-scale 0.01] [--json]   (scripts/bench-realistic.ts)
// --days D: day 1 on a fresh warehouse, then the next simulated days (sim --day 1, ...) into the same warehouse.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { simulatorEnv } from '../src/cli/dev-job';
import { startDailySync } from '../src/cli/start-daily';
import { dailySyncStatusQuery } from '../src/workflows/daily-sync-messages';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { addDays, peakRssMb, resetPeak, rssMb, startCli, stopCli, type CliProcess } from './lib/cli-processes';
import { physicalLimit } from './lib/duckdb-bare';

const args = process.argv.slice(2);
// --history: successive simulated days through the warehouse load path (scripts/bench-history.ts).
// --realistic: Graph's published limits and latencies on a scaled clock (scripts/bench-realistic.ts).
if (args.includes('--realistic')) {
  await import('./bench-realistic');
  process.exit(0);
}
if (args.includes('--history')) {
  await import('./bench-history');
  process.exit(0);
}
const json = args.includes('--json');
// Default: the deployment docs/operations.md recommends, Graph workers apart from the one warehouse writer process.
const singleWorker = args.includes('--single-worker');
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const sizes = valueOf('--users') ? [Number(valueOf('--users'))] : [100_000, 1_000_000];
const days = Number(valueOf('--days') ?? 1);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !Number.isInteger(days) || days < 1) {
  process.stderr.write('usage: bench [--users N] [--days D] [--json] [--single-worker]\n');
  process.exit(2);
}
const FIRST_DATE = '2026-11-27';
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

/** The last JSON log line of `proc` whose msg is `msg`, from index `from` on. */
function logged(proc: CliProcess | undefined, msg: string, from: number): Record<string, unknown> | undefined {
  for (const line of (proc?.lines ?? []).slice(from).reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.msg === msg) return o;
    } catch {
      // not a log line
    }
  }
  return undefined;
}

installTemporalRuntime('WARN');
const server = await startDevServer();
try {
  for (const users of sizes) {
    const dataDir = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), `m365-bench-${users}-`));
    log(`\n== ${users.toLocaleString('en-US')} users ==`);
    let warehouseWorker: CliProcess | undefined;
    try {
      for (let day = 1; day <= days; day++) {
        const snapshotDate = addDays(FIRST_DATE, day - 1);
        // The same tenant, day - 1 days on (hires, leavers, licence changes, activity moving forward).
        const sim = await startCli(
          ['sim', '--json', '--users', String(users), '--seed', '5', '--day', String(day - 1), '--today', FIRST_DATE, '--dir', path.join(dataDir, 'sim')],
          {},
          /^\{/,
        );
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
        const workerEnv = { ...env, TEMPORAL_ADDRESS: server.address, LOG_LEVEL: 'info' };
        // A Graph worker per day (each day's simulator has its own address and secret); the writer stays up, as deployed.
        const worker = await startCli(singleWorker ? ['worker'] : ['worker', '--no-warehouse'], workerEnv, /worker started/);
        if (!singleWorker && !warehouseWorker) warehouseWorker = await startCli(['worker', '--warehouse-only'], workerEnv, /worker started/);
        const writer = singleWorker ? worker : warehouseWorker!;
        if (warehouseWorker) resetPeak(warehouseWorker.child.pid!);
        const logFrom = writer.lines.length;
        const connection = await Connection.connect({ address: server.address });
        try {
          const client = new Client({ connection });
          const started = performance.now();
          const handle = await startDailySync(client, { tenantId: env.M365_TENANT_ID!, snapshotDate }, { force: true });
          // Each worker's resident set per stage, sampled twice a second, shows which stage needs the memory.
          const rssByStage: Record<string, number> = {};
          const writerRssByStage: Record<string, number> = {};
          const sampler = setInterval(() => {
            void handle
              .query(dailySyncStatusQuery)
              .then((st) => {
                rssByStage[st.stage] = Math.max(rssByStage[st.stage] ?? 0, rssMb(worker.child.pid!));
                if (warehouseWorker) writerRssByStage[st.stage] = Math.max(writerRssByStage[st.stage] ?? 0, rssMb(warehouseWorker.child.pid!));
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
          const loaded = logged(writer, 'loaded', logFrom);
          const published = logged(writer, 'published', logFrom);
          const report = logged(writer, 'report written', logFrom);
          const row = {
            day,
            users,
            snapshot_date: snapshotDate,
            end_to_end_s: +endToEnd.toFixed(2),
            preflight_s: +s('preflight').toFixed(2),
            extract_s: +s('extract').toFixed(2),
            detect_s: +s('detect').toFixed(2),
            // The whole loadAndPublish activity: load, marts, checkpoint, copy.
            load_s: +s('load').toFixed(2),
            load_only_s: loaded ? +(Number(loaded.ms) / 1000).toFixed(2) : null,
            publish_s: published ? +(Number(published.ms) / 1000).toFixed(2) : null,
            marts_s: published ? +(Number(published.martsMs) / 1000).toFixed(2) : null,
            report_s: +s('report').toFixed(2),
            duckdb_bare_s: +(bareMs / 1000).toFixed(2),
            load_ratio: +(s('load') / (bareMs / 1000)).toFixed(2),
            extract_users_per_s: Math.round(users / s('extract')),
            load_rows_per_s: Math.round((result.counts.users + result.counts.activityRows + result.counts.assignments) / s('load')),
            worker_peak_rss_mb: workerPeak,
            warehouse_worker_peak_rss_mb: warehousePeak,
            worker_rss_by_stage_mb: rssByStage,
            warehouse_worker_rss_by_stage_mb: warehouseWorker ? writerRssByStage : null,
            simulator_peak_rss_mb: simPeak,
            staged_mb: Math.round((result.staged.users.bytes + result.staged.reports.reduce((a, r) => a + r.bytes, 0)) / 1e6),
            load_steps_ms: (loaded?.steps as Record<string, number> | undefined) ?? null,
            mart_ms: (published?.martMs as Record<string, number> | undefined) ?? null,
            report_ms: report ? Number(report.ms) : null,
            status: result.status,
          };
          if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
          else {
            const goal = day === 1 ? 3.0 : 2.0;
            log(`-- day ${day} (${snapshotDate}${day === 1 ? ', fresh warehouse' : ', the next simulated day'}) --`);
            log(
              `end to end ${row.end_to_end_s} s: preflight ${row.preflight_s} s, extract ${row.extract_s} s (${row.extract_users_per_s} users/s), detect ${row.detect_s} s, load+publish ${row.load_s} s, report ${row.report_s} s`,
            );
            log(
              `load+publish ${row.load_s} s (load ${row.load_only_s} s, publish ${row.publish_s} s of which marts ${row.marts_s} s) vs DuckDB alone ${row.duckdb_bare_s} s: ratio ${row.load_ratio} (goal <= ${goal})`,
            );
            log(
              `peak RSS: Graph worker ${row.worker_peak_rss_mb} MB (goal <= 1024)${warehousePeak === null ? ' (one worker process: Graph + warehouse)' : `, warehouse writer ${warehousePeak} MB (goal <= 1024)`}, simulator ${row.simulator_peak_rss_mb} MB; staged ${row.staged_mb} MB`,
            );
            log(`RSS by stage (MB, sampled): Graph worker ${JSON.stringify(rssByStage)}${warehouseWorker ? `, writer ${JSON.stringify(writerRssByStage)}` : ''}`);
            log(`load steps (ms): ${JSON.stringify(row.load_steps_ms)}`);
            log(`marts (ms): ${JSON.stringify(row.mart_ms)}`);
          }
        } finally {
          await connection.close();
          await stopCli(worker.child);
          await stopCli(sim.child);
        }
      }
    } finally {
      if (warehouseWorker) await stopCli(warehouseWorker.child);
      if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await server.stop();
}
