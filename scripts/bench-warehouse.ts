// Warehouse load benchmark: stages synthetic 100k- and 1M-user tenants (own fast generator), times
// loadStagingDir, and compares with the physical limit: DuckDB alone reading the same staged files into plain
// tables (read_json glob + unnest, typed read_csv). Goal: ratio <= 1.5, writer peak RSS <= 1 GB at 1M users.
// The load runs in a child process (default settings), so its peak RSS is the writer's alone.
// Usage: node --import tsx scripts/bench-warehouse.ts [sizes...]   (default: 100000 1000000)
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeWarehouse, loadStagingDir, publish } from '../src/warehouse/index';
import { REPORTS } from '../src/shared/staging-contract';
import { physicalLimit } from './lib/duckdb-bare';

const SKUS = [
  ['06ebc4ee-1bb5-47dd-8120-11324bc54e06', 'SPE_E5'],
  ['05e9a617-0261-4cee-bb44-138d3ef5d965', 'SPE_E3'],
  ['4b9405b0-7788-4568-add1-99614e613b69', 'EXCHANGESTANDARD'],
] as const;
const PAGE = 999;
const SNAPSHOT = '2024-05-10';
const REFRESH = '2024-05-08';

const hexId = (i: number, salt: number): string => {
  const h = (i * 2654435761 + salt) >>> 0;
  const s = h.toString(16).padStart(8, '0') + i.toString(16).padStart(8, '0');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(1, 4)}-${s.slice(4, 16)}`;
};

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const day = (n: number): string => new Date(Date.UTC(2024, 4, 8) - n * 86_400_000).toISOString().slice(0, 10);

async function generate(dir: string, n: number): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'users'), { recursive: true });
  mkdirSync(path.join(dir, 'reports'), { recursive: true });
  for (let p = 0; p * PAGE < n; p++) {
    const users: string[] = [];
    for (let i = p * PAGE; i < Math.min(n, (p + 1) * PAGE); i++) {
      const sku = SKUS[i % 3]![0];
      const licensed = i % 10 !== 9;
      const byGroup = i % 4 === 0 ? `"${hexId(i % 50, 7)}"` : 'null';
      const lic = licensed ? `[{"skuId":"${sku}","disabledPlans":[]}]` : '[]';
      const states = licensed
        ? `[{"skuId":"${sku}","assignedByGroup":${byGroup},"state":"Active","error":null,"disabledPlans":[],"lastUpdatedDateTime":"2022-01-0${(i % 9) + 1}T10:00:00Z"}]`
        : '[]';
      users.push(
        `{"id":"${hexId(i, 1)}","userPrincipalName":"user${i}@contoso.com","displayName":"User ${i}","mail":"user${i}@contoso.com",` +
          `"accountEnabled":${i % 17 !== 0},"userType":"${i % 20 === 0 ? 'Guest' : 'Member'}","createdDateTime":"2020-01-01T00:00:00Z",` +
          `"department":"Dept ${i % 30}","jobTitle":"Title ${i % 12}","usageLocation":"US","assignedLicenses":${lic},"licenseAssignmentStates":${states}}`,
      );
    }
    const next = (p + 1) * PAGE < n ? `,"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=${p + 1}"` : '';
    writeFileSync(
      path.join(dir, 'users', `page-${String(p + 1).padStart(4, '0')}.json`),
      `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)","value":[${users.join(',')}]${next}}`,
    );
  }
  const sku = ([id, part]: readonly [string, string]) =>
    `{"id":"t_${id}","accountId":"t","accountName":"contoso","appliesTo":"User","capabilityStatus":"Enabled","consumedUnits":${Math.ceil(n / 3)},` +
    `"prepaidUnits":{"enabled":${n},"lockedOut":0,"suspended":0,"warning":0},"servicePlans":[],"skuId":"${id}","skuPartNumber":"${part}","subscriptionIds":["s"]}`;
  writeFileSync(path.join(dir, 'subscribedSkus.json'), `{"value":[${SKUS.map(sku).join(',')}]}`);
  const active = REPORTS[0]!.columns.map((c) => c.header).join(',');
  const email = REPORTS[1]!.columns.map((c) => c.header).join(',');
  await writeLines(
    path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv'),
    (function* () {
      yield `\uFEFF${active}\r\n`;
      for (let i = 0; i < n; i++) {
        const d = (k: number) => ((i + k) % 5 === 0 ? '' : day((i * (k + 3)) % 200));
        const has = i % 10 !== 9 ? 'True' : 'False';
        yield `${REFRESH},user${i}@contoso.com,"User ${i}, Sales",False,,${has},${has},${has},${has},${has},${has},${d(1)},${d(2)},${d(3)},${d(4)},${d(5)},${d(6)},2022-01-01,2022-01-01,2022-01-01,,,2022-01-01,MICROSOFT 365 E5+Microsoft Stream\r\n`;
      }
    })(),
  );
  await writeLines(
    path.join(dir, 'reports', 'getEmailActivityUserDetail.csv'),
    (function* () {
      yield `\uFEFF${email}\r\n`;
      for (let i = 0; i < n; i++) yield `${REFRESH},user${i}@contoso.com,User ${i},False,,${i % 7 === 0 ? '' : day(i % 120)},${i % 50},${i % 80},${i % 60},0,1,MICROSOFT 365 E5,7\r\n`;
    })(),
  );
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ tenantId: 'bench-tenant', runId: `bench-${n}`, snapshotDate: SNAPSHOT, startedAt: new Date().toISOString(), files: [], reportSettings: null }),
  );
}

/** Peak resident set of this process (the kernel's high-water mark), in MB. */
const peakRssMb = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

/** The measured part, in its own process so its peak RSS is the writer's alone: load, re-load, publish. */
async function child(dir: string, root: string, n: number): Promise<void> {
  const work = path.join(root, 'work', 'm365.duckdb');
  const published = path.join(root, `published-${n}.duckdb`);
  let t = performance.now();
  const steps: Record<string, number> = {};
  const result = await loadStagingDir({ workDbPath: work, stagingDir: dir, publishedPath: published, onStep: (s, ms) => (steps[s] = Math.round(ms)) });
  const loadMs = performance.now() - t;
  const pub = await publish(work, published);
  t = performance.now();
  const again = await loadStagingDir({ workDbPath: work, stagingDir: dir, publishedPath: published });
  const reloadMs = performance.now() - t;
  await closeWarehouse(work);
  process.stdout.write(`${JSON.stringify({ loadMs, reloadMs, publishMs: pub.ms, publishedBytes: pub.bytes, steps, counts: result.counts, sameCountsOnReload: JSON.stringify(again.counts) === JSON.stringify(result.counts), peakRssMb: peakRssMb() })}\n`);
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const base = path.join(process.env.BENCH_DIR ?? tmpdir(), 'm365-bench-warehouse');
  mkdirSync(base, { recursive: true });
  for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
    const dir = path.join(base, `staging-${n}`);
    const t = performance.now();
    if (!existsSync(path.join(dir, 'manifest.json'))) await generate(dir, n);
    const genMs = performance.now() - t;
    const limitMs = await physicalLimit(dir, path.join(base, `limit-${n}.duckdb`));
    // A fresh data directory per size: work/, history/ and the published file, like M365_DATA_DIR.
    const root = path.join(base, `data-${n}`);
    rmSync(root, { recursive: true, force: true });
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', dir, root, String(n)], {
      env: process.env,
      maxBuffer: 1 << 24,
    }).toString();
    const r = JSON.parse(out.trim().split('\n').pop()!) as { loadMs: number; reloadMs: number } & Record<string, unknown>;
    console.log(
      JSON.stringify({
        users: n,
        generateMs: Math.round(genMs),
        physicalLimitMs: Math.round(limitMs),
        loadMs: Math.round(r.loadMs),
        ratio: Number((r.loadMs / limitMs).toFixed(2)),
        reloadSameSnapshotMs: Math.round(r.reloadMs),
        writerPeakRssMb: r.peakRssMb,
        publishMs: r.publishMs,
        publishedBytes: r.publishedBytes,
        historyBytes: bytesUnder(path.join(root, 'history')),
        steps: r.steps,
        counts: r.counts,
        sameCountsOnReload: r.sameCountsOnReload,
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

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
