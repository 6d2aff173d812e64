// Simulated day N of a tenant, staged through the REAL extract path: a simulator started on that day (days.ts),
// real MSAL client credentials, the real HTTPS Graph client trusting the simulator's CA explicitly, and the
// extract and manifest activities dailySync runs, called in the same order outside a worker (MockActivityEnvironment
// gives them an activity context; no Temporal server is needed). History, retention and re-check tests load these
// directories instead of hand-edited fixtures; what a day holds comes from the simulator, never from the test.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExtractActivities } from '../../src/activities/extract';
import { createSpendExtractActivities } from '../../src/activities/extract-spend';
import { createGraphFactory } from '../../src/activities/graph-context';
import { createRunFileActivities } from '../../src/activities/run-files';
import { simulatorEnv } from '../../src/cli/dev-job';
import { parseConfig } from '../../src/config';
import { startSimulator, type Churn } from '../../src/simulator';
import { formatDay, dayOf } from '../../src/simulator/dates';

export interface SimulatedTenant {
  seed: number;
  users: number;
  /** Day 0's today, YYYY-MM-DD: day N's snapshot date is today + N. */
  today: string;
  churn?: Partial<Churn>;
  /** The app's application roles (default: the pipeline's grants, without AuditLog.Read.All, so no sign-ins). */
  roles?: string[];
}

export interface SimulatedDay {
  /** The run's staging directory, with its manifest: what `loadStagingDir` and `import --from` read. */
  dir: string;
  day: number;
  /** The simulated today of day N, also the manifest's snapshot date. */
  snapshotDate: string;
  tenantId: string;
  runId: string;
}

/** Day N's date: today + N. */
export const simulatedDate = (t: SimulatedTenant, day: number): string => formatDay(dayOf(t.today) + day);

// One staging directory per (tenant, day) per test process: the same inputs give the same content, so a test file
// that asks for a day twice reads the first staging again.
const staged = new Map<string, Promise<SimulatedDay>>();
let processDataDir: string | undefined;

/** The process's staging root, removed when the test process exits. */
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-simdays-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const keyOf = (t: SimulatedTenant, day: number): string =>
  JSON.stringify([t.seed, t.users, t.today, day, Object.entries(t.churn ?? {}).sort(), ...(t.roles ? [[...t.roles].sort()] : [])]);

/**
 * Stages simulated day `day` of the tenant (cached per process). Deterministic in (seed, users, today, churn, day):
 * the same users, licences and report rows every time (page links name the simulator's port, nothing else varies).
 */
export function simulatedDay(t: SimulatedTenant, day: number): Promise<SimulatedDay> {
  const key = keyOf(t, day);
  let p = staged.get(key);
  if (!p) {
    p = stageSimulatedDay(t, day);
    staged.set(key, p);
    p.catch(() => staged.delete(key));
  }
  return p;
}

/** Several days, staged one after another (one simulator at a time keeps a shared machine calm). */
export async function simulatedDays(t: SimulatedTenant, days: number[]): Promise<SimulatedDay[]> {
  const out: SimulatedDay[] = [];
  for (const d of days) out.push(await simulatedDay(t, d));
  return out;
}

/** Stages the day afresh (no cache), into `into` (default: the process's own temporary data directory). */
export async function stageSimulatedDay(t: SimulatedTenant, day: number, into?: string): Promise<SimulatedDay> {
  const dataDir = into ?? (processDataDir ??= tempDataDir());
  const sim = await startSimulator({ seed: t.seed, users: t.users, today: t.today, day, churn: t.churn, roles: t.roles });
  try {
    // The pipeline's own configuration from the simulator's environment: M365_CA_FILE is the explicit trust.
    const config = parseConfig(simulatorEnv(sim, dataDir));
    const graphFor = createGraphFactory(config);
    const extract = createExtractActivities({ dataDir, graphFor });
    const spend = createSpendExtractActivities({ dataDir, graphFor });
    const files = createRunFileActivities({ dataDir });
    const env = new MockActivityEnvironment();
    // Typed like the workflow's proxies (the mock's own signature loses the result type).
    const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args) as Promise<R>;
    const runId = `sim-${createHash('sha256').update(keyOf(t, day)).digest('hex').slice(0, 16)}`;
    const ids = { tenantId: sim.tenantId, runId };
    const snapshotDate = simulatedDate(t, day);
    const period = 'D30' as const;
    // dailySync's extract stage (src/workflows/daily-sync.ts), activity for activity.
    const pre = await run(extract.preflight, { tenantId: sim.tenantId, needReclaim: false });
    const [users, skus, activeUsers, email, reportSettings, subscriptions, copilot] = await Promise.all([
      run(extract.extractUsers, { ...ids, signIn: pre.canReadSignIns ?? false }),
      run(extract.extractSkus, ids),
      run(extract.extractReport, { ...ids, report: 'getOffice365ActiveUserDetail', period }),
      run(extract.extractReport, { ...ids, report: 'getEmailActivityUserDetail', period }),
      pre.canReadReportSettings ? run(extract.readReportSettings, { tenantId: sim.tenantId }) : Promise.resolve(null),
      run(spend.extractSubscriptions, ids),
      run(spend.extractCopilotReport, { ...ids, period }),
    ]);
    const dir = await run(files.writeManifest, {
      ...ids,
      snapshotDate,
      startedAt: `${snapshotDate}T06:00:00.000Z`,
      users,
      skus,
      reports: [
        { ...activeUsers, name: 'getOffice365ActiveUserDetail' },
        { ...email, name: 'getEmailActivityUserDetail' },
        ...(copilot ? [{ ...copilot, name: 'getMicrosoft365CopilotUsageUserDetail' }] : []),
      ],
      reportSettings,
      subscriptions,
      signIn: users.signIn,
    });
    await graphFor(sim.tenantId).tokens.close();
    return { dir, day, snapshotDate, tenantId: sim.tenantId, runId };
  } finally {
    await sim.close();
  }
}
