// Warehouse load benchmark: stages synthetic 100k- and 1M-user tenants (own fast generator), times
// loadStagingDir, and compares with the physical limit: DuckDB alone reading the same staged files into plain
// tables (read_json glob + unnest, typed read_csv). Goal: ratio <= 1.5.
// Usage: node --import tsx scripts/bench-warehouse.ts [sizes...]   (default: 100000 1000000)
import { mkdirSync, rmSync, writeFileSync, createWriteStream, existsSync } from 'node:fs';
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

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const root = path.join(process.env.BENCH_DIR ?? tmpdir(), 'm365-bench-warehouse');
  mkdirSync(root, { recursive: true });
  for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
    const dir = path.join(root, `staging-${n}`);
    let t = performance.now();
    if (!existsSync(path.join(dir, 'manifest.json'))) await generate(dir, n);
    const genMs = performance.now() - t;
    const limitMs = await physicalLimit(dir, path.join(root, `limit-${n}.duckdb`));
    const work = path.join(root, `work-${n}.duckdb`);
    rmSync(work, { force: true });
    rmSync(`${work}.wal`, { force: true });
    t = performance.now();
    const steps: Record<string, number> = {};
    const result = await loadStagingDir({ workDbPath: work, stagingDir: dir, onStep: (s, ms) => (steps[s] = Math.round(ms)) });
    const loadMs = performance.now() - t;
    t = performance.now();
    const again = await loadStagingDir({ workDbPath: work, stagingDir: dir });
    const reloadMs = performance.now() - t;
    const pub = await publish(work, path.join(root, `published-${n}.duckdb`));
    await closeWarehouse(work);
    console.log(
      JSON.stringify({
        users: n,
        generateMs: Math.round(genMs),
        physicalLimitMs: Math.round(limitMs),
        loadMs: Math.round(loadMs),
        ratio: Number((loadMs / limitMs).toFixed(2)),
        reloadSameSnapshotMs: Math.round(reloadMs),
        publishMs: pub.ms,
        publishedBytes: pub.bytes,
        steps,
        counts: result.counts,
        sameCountsOnReload: JSON.stringify(again.counts) === JSON.stringify(result.counts),
      }),
    );
  }
}

await main();
