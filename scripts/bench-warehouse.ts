// Warehouse load benchmark: stages two successive days of synthetic 100k- and 1M-user tenants (fast generator,
// scripts/lib/staging-days.ts), times loadStagingDir for day 1, the next day and a re-run of it, and compares with
// the physical limit: DuckDB alone reading the same staged files into plain tables (read_json glob + unnest, typed read_csv). Goal: ratio <= 1.5, writer peak RSS <= 1 GB at 1M users.
// The load runs in a child process (default settings), so its peak RSS is the writer's alone.
// Usage: node --import tsx scripts/bench-warehouse.ts [sizes...]   (default: 100000 1000000)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeWarehouse, loadStagingDir, publish } from '../src/warehouse/index';
import { physicalLimit } from './lib/duckdb-bare';
import { writeStagingDay } from './lib/staging-days';

/** Peak resident set of this process (the kernel's high-water mark), in MB. */
const peakRssMb = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

/** The measured part, in its own process so its peak RSS is the writer's alone: load, re-load, publish. */
/** The measured part, in its own process so its peak RSS is the writer's alone: day 1, the next day, a re-run. */
async function child(day1: string, day2: string, root: string, n: number): Promise<void> {
  const work = path.join(root, 'work', 'm365.duckdb');
  const published = path.join(root, `published-${n}.duckdb`);
  const timedLoad = async (dir: string) => {
    const steps: Record<string, number> = {};
    const t = performance.now();
    const result = await loadStagingDir({ workDbPath: work, stagingDir: dir, publishedPath: published, onStep: (s, ms) => {
      steps[s] = Math.round(ms);
      process.stderr.write(`  ${n} users, ${path.basename(dir)}: ${s} ${Math.round(ms)} ms (peak RSS so far ${peakRssMb()} MB)\n`);
    } });
    const loadMs = performance.now() - t;
    const pub = await publish(work, published);
    process.stderr.write(`  ${n} users, ${path.basename(dir)}: publish ${Math.round(pub.ms)} ms (marts ${Math.round(pub.martsMs)} ms; peak RSS so far ${peakRssMb()} MB)\n`);
    return { loadMs, publishMs: pub.ms, martsMs: pub.martsMs, publishedBytes: pub.bytes, steps, counts: result.counts };
  };
  const first = await timedLoad(day1);
  const next = await timedLoad(day2);
  const rerun = await timedLoad(day2);
  await closeWarehouse(work);
  process.stdout.write(`${JSON.stringify({ first, next, rerun, sameCountsOnRerun: JSON.stringify(next.counts) === JSON.stringify(rerun.counts), peakRssMb: peakRssMb() })}\n`);
}

type Load = { loadMs: number; publishMs: number; martsMs: number; publishedBytes: number; steps: Record<string, number> };

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const base = path.join(process.env.BENCH_DIR ?? tmpdir(), 'm365-bench-warehouse');
  mkdirSync(base, { recursive: true });
  for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
    // Two successive days of one tenant (scripts/lib/staging-days.ts), generated once and kept.
    const dirs = [1, 2].map((d) => path.join(base, `staging-days-${n}-${d}`));
    const t = performance.now();
    for (const [k, dir] of dirs.entries()) if (!existsSync(path.join(dir, 'manifest.json'))) await writeStagingDay(dir, n, k + 1);
    const genMs = performance.now() - t;
    const limitMs = await physicalLimit(dirs[1]!, path.join(base, `limit-${n}.duckdb`));
    // A fresh data directory per size: work/, history/ and the published file, like M365_DATA_DIR.
    const root = path.join(base, `data-${n}`);
    rmSync(root, { recursive: true, force: true });
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', dirs[0]!, dirs[1]!, root, String(n)], {
      env: process.env,
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    const r = JSON.parse(out.trim().split('\n').pop()!) as { first: Load; next: Load; rerun: Load; peakRssMb: number; sameCountsOnRerun: boolean };
    const ratio = (l: Load) => Number((l.loadMs / limitMs).toFixed(2));
    console.log(
      JSON.stringify({
        users: n,
        generateMs: Math.round(genMs),
        physicalLimitMs: Math.round(limitMs),
        firstLoadMs: Math.round(r.first.loadMs),
        firstRatio: ratio(r.first),
        nextDayLoadMs: Math.round(r.next.loadMs),
        nextDayRatio: ratio(r.next),
        rerunMs: Math.round(r.rerun.loadMs),
        rerunRatio: ratio(r.rerun),
        writerPeakRssMb: r.peakRssMb,
        publishMs: [r.first.publishMs, r.next.publishMs, r.rerun.publishMs],
        // Of publishMs: the marts recomputed for the loaded tenant (materialised at publish, not in the load).
        martsMs: [r.first.martsMs, r.next.martsMs, r.rerun.martsMs],
        nextDayLoadPlusMartsRatio: Number(((r.next.loadMs + r.next.martsMs) / limitMs).toFixed(2)),
        publishedBytes: r.rerun.publishedBytes,
        historyBytes: bytesUnder(path.join(root, 'history')),
        steps: { first: r.first.steps, next: r.next.steps, rerun: r.rerun.steps },
        sameCountsOnRerun: r.sameCountsOnRerun,
      }),
    );
  }
}

function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!, Number(process.argv[6]));
else await main();
