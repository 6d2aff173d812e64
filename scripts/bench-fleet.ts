// The `fleet` scenario of the realistic benchmark: many tenants behind one app (one simulator process, the per-app
// limits shared), each with its daily schedule at the same minute (`schedule create` as an operator runs it, with its
// jitter window on the scaled clock), one Graph worker and the separate warehouse writer, as deployed. Measured from
// the minute the schedules name to the last run's end, in simulated seconds; every tenant's outcome is listed.
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { parseConfig } from '../src/config';
import { createDailySchedule } from '../src/cli/schedule';
import { dailyScheduleId, dailyWorkflowId } from '../src/shared/names';
import { DEFAULT_ROLES, startSimulator, writeSimulatorTenantsFile, type SimulatorHandle } from '../src/simulator/index';
import type { DailySyncResult } from '../src/workflows/daily-sync-messages';
import { fleetLimitSeconds, graphRequests, publishesIn } from './bench-realistic-lib';
import { peakRssMb, startCli, stopCli } from './lib/cli-processes';

export interface FleetOptions {
  /** Small tenants (300 users each, fewer when `users` is smaller); one large tenant per 50 of them, at least one. */
  tenants: number;
  /** Users of each small tenant, when not 300 (e.g. to load one Graph worker with many sizeable walks at once). */
  tenantUsers?: number;
  /** The app without AuditLog.Read.All: no sign-in pages, so every walk runs at once, large ones sharded. */
  noSignIns?: boolean;
  /** Users of each large tenant. */
  users: number;
  timeScale: number;
  /** The schedules' jitter window in simulated minutes (the deployment's default, 30). */
  jitterMinutes: number;
  dataDir: string;
  serverAddress: string;
  log: (line: string) => void;
}

export interface TenantOutcome {
  tenant: string;
  users: number;
  status: string;
  /** Simulated seconds from the scheduled minute to the run's end. */
  measured_s: number | null;
  error?: string;
}

const SMALL = 300;
const SECRET_ENV = 'BENCH_FLEET_SECRET';

/** The next whole minute at least 30 s away, as HH:MM UTC and epoch ms (schedules and workers need a moment). */
function nextMinute(): { at: string; ms: number } {
  const d = new Date(Date.now() + 30_000);
  d.setUTCSeconds(0, 0);
  d.setUTCMinutes(d.getUTCMinutes() + 1);
  return { at: d.toISOString().slice(11, 16), ms: d.getTime() };
}

/** Waits until every tenant's run for `date` has closed; returns each one's outcome. */
async function outcomes(client: Client, sim: SimulatorHandle, date: string, firedAt: number, timeScale: number, log: (l: string) => void): Promise<TenantOutcome[]> {
  const pending = new Map(sim.tenants.map((t, i) => [dailyWorkflowId(t.tenantId, date), { tenant: `fleet-${i}`, users: t.users }]));
  const done: TenantOutcome[] = [];
  let lastReport = Date.now();
  while (pending.size > 0) {
    for (const [id, t] of [...pending]) {
      const d = await client.workflow
        .getHandle(id)
        .describe()
        .catch(() => undefined);
      if (!d || d.status.name === 'RUNNING') continue;
      pending.delete(id);
      const measured = d.closeTime ? Math.round((d.closeTime.getTime() - firedAt) / 1000 / timeScale) : null;
      try {
        const r = (await client.workflow.getHandle(id).result()) as DailySyncResult;
        done.push({ ...t, status: r.status, measured_s: measured });
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
        done.push({ ...t, status: 'failed', measured_s: measured, error: cause.slice(0, 200) });
      }
    }
    if (Date.now() - lastReport > 30_000) {
      log(`${done.length} of ${sim.tenants.length} runs closed`);
      lastReport = Date.now();
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 2_000));
  }
  return done;
}

export async function runFleet(o: FleetOptions): Promise<Record<string, unknown>> {
  const large = Math.max(1, Math.round(o.tenants / 50));
  const small = o.tenantUsers ?? Math.min(SMALL, o.users);
  const sim = await startSimulator({
    users: small,
    seed: 500,
    tenants: `${o.tenants}x${small},${large}x${o.users}`,
    dir: path.join(o.dataDir, 'sim'),
    profile: 'realistic',
    timeScale: o.timeScale,
    roles: o.noSignIns ? DEFAULT_ROLES : [...DEFAULT_ROLES, 'AuditLog.Read.All'],
  });
  const tenantsFile = path.join(o.dataDir, 'tenants.json');
  writeSimulatorTenantsFile(sim, tenantsFile, { secretEnv: SECRET_ENV, namePrefix: 'fleet' });
  const env: NodeJS.ProcessEnv = {
    M365_TENANTS_FILE: tenantsFile,
    [SECRET_ENV]: sim.clientSecret,
    M365_DATA_DIR: o.dataDir,
    TEMPORAL_ADDRESS: o.serverAddress,
    LOG_LEVEL: 'info',
    // The pipeline's own paces follow the simulated clock: Graph's 10 sign-in pages a minute, the slow-down pause.
    M365_SIGNIN_PER_MINUTE: String(10 / o.timeScale),
    M365_GRAPH_PACE_MS: String(Math.max(1, Math.round(1000 * o.timeScale))),
  };
  const config = parseConfig({ ...process.env, ...env });
  const worker = await startCli(['worker', '--no-warehouse'], env, /worker started/);
  const writer = await startCli(['worker', '--warehouse-only'], env, /worker started/);
  const connection = await Connection.connect({ address: o.serverAddress });
  const client = new Client({ connection });
  try {
    const fire = nextMinute();
    // The jitter window shrinks with the clock like every other duration (minutes, fractions allowed here).
    for (const t of sim.tenants) await createDailySchedule(client, config, t.tenantId, fire.at, { jitterMinutes: o.jitterMinutes * o.timeScale });
    o.log(`${sim.tenants.length} schedules at ${fire.at} UTC (${o.tenants}x${small} + ${large}x${o.users} users)`);
    const date = new Date(fire.ms).toISOString().slice(0, 10);
    const done = await outcomes(client, sim, date, fire.ms, o.timeScale, o.log);
    const perTenant = sim.tenants.map((t) => ({ entries: t.state.requestLog, users: t.users }));
    const graph = perTenant.flatMap((t) => graphRequests(t.entries));
    const limit = fleetLimitSeconds(perTenant, sim.limiter.profile.limits);
    const measured = Math.max(0, ...done.map((d) => d.measured_s ?? 0));
    const failed = done.filter((d) => d.status === 'failed');
    return {
      scenario: 'fleet',
      tenants: sim.tenants.length,
      users: sim.tenants.reduce((n, t) => n + t.users, 0),
      time_scale: o.timeScale,
      jitter_min: o.jitterMinutes,
      limit_s: Math.round(limit),
      measured_s: measured,
      ratio: limit > 0 ? +(measured / limit).toFixed(2) : null,
      requests: graph.length,
      throttled: graph.filter((e) => e.status === 429).length,
      throttled_by: Object.fromEntries(sim.limiter.throttled),
      sign_in_pages: graph.filter((e) => e.endpoint === 'users' && /signinactivity/i.test(e.path) && e.status !== 429).length,
      succeeded_tenants: done.length - failed.length,
      failed_tenants: failed.length,
      publishes: publishesIn(writer.lines),
      worker_peak_rss_mb: peakRssMb(worker.child.pid!),
      writer_peak_rss_mb: peakRssMb(writer.child.pid!),
      tenant_outcomes: done,
    };
  } finally {
    for (const t of sim.tenants)
      await client.schedule
        .getHandle(dailyScheduleId(t.tenantId))
        .delete()
        .catch(() => {});
    await connection.close();
    await stopCli(worker.child);
    await stopCli(writer.child);
    await sim.close();
  }
}
