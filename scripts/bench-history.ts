// History benchmark: successive simulated days of one tenant through the pipeline's load path (loadStagingDir
// with the published file for garbage collection, then publish: exactly what the loadAndPublish activity runs),
// printing per day the load and publish seconds, the bytes the day added to the data directory (working database,
// history and published file; staging excluded), its total, the published file's size, and three analyst history
// queries on the published file. Usage (via npm run bench): --history [--days 30] [--users 100000] [--no-churn] [--no-sign-ins] [--json]
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeWarehouse, loadStagingDir, openReadOnly, publish } from '../src/warehouse/index';
import { DEFAULT_CHURN, snapshotDateOf, writeStagingDay } from './lib/staging-days';

const args = process.argv.slice(2);
const num = (flag: string, fallback: number): number => {
  const i = args.indexOf(flag);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${flag} must be a positive whole number`);
  return v;
};
const days = num('--days', 30);
const users = num('--users', 100_000);
const json = args.includes('--json');
// --no-sign-ins: users without signInActivity (a tenant without Entra ID P1/P2, or an app without AuditLog.Read.All).
const signIns = !args.includes('--no-sign-ins');
// --no-churn: the same tenant every day (only the dates move), the "same data loaded for a new date" case.
const churn = args.includes('--no-churn') ? { hires: 0, leavers: 0, licenceChanges: 0, disabled: 0 } : DEFAULT_CHURN;

const bytesUnder = (dir: string): number =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0)
    : 0;

const base = path.join(process.env.BENCH_DIR ?? tmpdir(), `m365-bench-history-${users}`);
rmSync(base, { recursive: true, force: true });
const dataDir = path.join(base, 'data');
const work = path.join(dataDir, 'work', 'm365.duckdb');
const published = path.join(dataDir, 'm365.duckdb');
const staging = path.join(base, 'staging');
mkdirSync(dataDir, { recursive: true });

const rosterDay = Math.min(15, days);
const QUERIES = {
  utilization_all_days: `SELECT snapshot_date, sku_part_number, utilization FROM license_utilization_history ORDER BY 1, 2`,
  one_user_all_days: `SELECT snapshot_date, service, last_activity_date FROM service_activity WHERE user_principal_name = 'user4242@contoso.com' ORDER BY 1, 2`,
  roster_as_of_day_15: `SELECT count(*) AS users, count(*) FILTER (WHERE account_enabled) AS enabled FROM users_as_of(DATE '${snapshotDateOf(rosterDay)}')`,
  inactive_licensed_users: `SELECT count(*) FROM inactive_licensed_users`,
  activity_by_license: `SELECT * FROM activity_by_license`,
};

const sec = (ms: number) => +(ms / 1000).toFixed(2);
let previous = 0;
if (!json) process.stdout.write(`day | load s | publish s | MB added | MB total | published MB | query ms (${Object.keys(QUERIES).join(', ')})\n`);
for (let day = 1; day <= days; day++) {
  await writeStagingDay(staging, users, day, churn, 'bench-tenant', signIns);
  let t = performance.now();
  const steps: Record<string, number> = {};
  const result = await loadStagingDir({ workDbPath: work, stagingDir: staging, publishedPath: published, onStep: (s, ms) => (steps[s] = Math.round(ms)) });
  const loadMs = performance.now() - t;
  const pub = await publish(work, published);
  const total = bytesUnder(dataDir);
  const queryMs: Record<string, number> = {};
  const ro = await openReadOnly(published);
  try {
    for (const [name, sql] of Object.entries(QUERIES)) {
      t = performance.now();
      await ro.query(sql);
      queryMs[name] = Math.round(performance.now() - t);
    }
  } finally {
    ro.close();
  }
  const row = {
    day,
    users: result.counts.users,
    load_s: sec(loadMs),
    publish_s: sec(pub.ms),
    // Of publish_s: the tenant's marts, materialised at publish (src/warehouse/models/build.ts).
    marts_s: sec(pub.martsMs),
    bytes_added: total - previous,
    total_bytes: total,
    history_bytes: bytesUnder(path.join(dataDir, 'history')),
    published_bytes: pub.bytes,
    query_ms: queryMs,
    load_steps_ms: steps,
  };
  previous = total;
  if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
  else {
    const mb = (b: number) => (b / 1e6).toFixed(1);
    process.stdout.write(`${day} | ${row.load_s} | ${row.publish_s} | ${mb(row.bytes_added)} | ${mb(total)} | ${mb(pub.bytes)} | ${Object.values(queryMs).join(', ')}\n`);
  }
}
await closeWarehouse();
if (!process.env.BENCH_KEEP) rmSync(base, { recursive: true, force: true });
