// What every fault of the drill shares: the clock the table reports against, the table itself, the Temporal
// client, the running replicas, and small waits on workflow state.
import type { Client } from '@temporalio/client';
import type { Postgres } from './postgres';
import type { Replica } from './processes';
import type { TemporalServer } from './temporal-cluster';
import type { DrillTenants } from './tenants';

export interface FaultRow {
  fault: string;
  at_s: number;
  /** What followed: retries, who took over, what the drill checked. */
  followed: string;
  /** Seconds from the fault until the affected work completed again; null when it never did. */
  recovered_s: number | null;
}

export interface DrillContext {
  started: number;
  client: Client;
  taskQueue: string;
  snapshotDate: string;
  graphWorkers: Replica[];
  writer: Replica;
  server: TemporalServer;
  postgres: Postgres;
  tenants: DrillTenants;
  dataDir: string;
  faults: FaultRow[];
  say(line: string): void;
}

export const seconds = (ctx: DrillContext, at = Date.now()): number => Math.round((at - ctx.started) / 100) / 10;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records one row; recovered is measured from `struck`. */
export function record(ctx: DrillContext, fault: string, struck: number, followed: string, recoveredAt: number | null): FaultRow {
  const row = { fault, at_s: seconds(ctx, struck), followed, recovered_s: recoveredAt === null ? null : Math.round((recoveredAt - struck) / 100) / 10 };
  ctx.faults.push(row);
  ctx.say(`  fault: ${fault} at ${row.at_s} s; ${followed}; recovered ${row.recovered_s ?? 'never'} s`);
  return row;
}

export interface PendingActivity {
  type: string;
  state: string;
  attempt: number;
  worker: string;
}

/** The workflow's pending activities (empty when it is closed or unknown). */
export async function pendingActivities(client: Client, workflowId: string): Promise<PendingActivity[]> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return (d.raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name ?? '',
      // PENDING_ACTIVITY_STATE_STARTED = 2
      state: a.state === 2 ? 'started' : a.state === 1 ? 'scheduled' : a.state === 3 ? 'cancel_requested' : 'other',
      attempt: a.attempt ?? 1,
      worker: a.lastWorkerIdentity ?? '',
    }));
  } catch {
    return [];
  }
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** Whether a workflow has closed, and how. */
export async function closedStatus(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? undefined : d.status.name;
  } catch {
    return undefined;
  }
}
