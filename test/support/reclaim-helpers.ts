// Shared pieces of the reclamation tests: picking simulated users, waiting on the status query, reading the audit.
import type { Client } from '@temporalio/client';
import type { SimulatorHandle } from '../../src/simulator';
import { openReadOnly } from '../../src/warehouse';
import { reclaimStatusQuery, type ReclaimState } from '../../src/workflows/reclaim/messages';

export interface Assignment {
  skuId: string;
  assignedByGroup: string | null;
  disabledPlans: string[];
  state: string;
}

export interface PickedUser {
  index: number;
  id: string;
  upn: string;
  displayName: string;
  assignments: Assignment[];
}

/** Picks simulated users by a predicate, each at most once per picker. */
export function userPicker(sim: SimulatorHandle) {
  const used = new Set<number>();
  return (pred: (u: PickedUser) => boolean): PickedUser => {
    for (let i = 0; i < sim.state.userCount; i++) {
      if (used.has(i)) continue;
      const g = sim.state.userAt(i);
      if (!g.accountEnabled || g.kind !== 'member' || !g.usageLocation) continue;
      const u: PickedUser = {
        index: i,
        id: g.id,
        upn: g.userPrincipalName,
        displayName: g.displayName,
        assignments: sim.state.assignments(i) as unknown as Assignment[],
      };
      if (!pred(u)) continue;
      used.add(i);
      return u;
    }
    throw new Error('no simulated user fits');
  };
}

export const directOnly = (u: PickedUser): boolean => u.assignments.length > 0 && u.assignments.every((a) => a.assignedByGroup === null && a.state === 'Active');

export async function waitForStatus(client: Client, workflowId: string, pred: (s: ReclaimState) => boolean, timeoutMs = 30_000): Promise<ReclaimState> {
  const deadline = Date.now() + timeoutMs;
  let last: ReclaimState | undefined;
  while (Date.now() < deadline) {
    try {
      last = await client.workflow.getHandle(workflowId).query(reclaimStatusQuery);
      if (pred(last)) return last;
    } catch {
      // Not started yet, or no worker for a moment.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`status of ${workflowId} never matched; last: ${JSON.stringify(last)}`);
}

export interface AuditRow {
  event: string;
  actor: string | null;
  actor_upn: string | null;
  identity: string | null;
  run_id: string | null;
  reason: string | null;
  outcome: string | null;
  skus: string[] | null;
  detail: string | null;
  plans: string | null;
}

/** The audit rows of one workflow, read from the PUBLISHED file, read-only, as an analyst would. */
export async function auditRows(dbPath: string, workflowId: string): Promise<AuditRow[]> {
  const db = await openReadOnly(dbPath);
  try {
    const r = await db.query(
      `SELECT event, actor, actor_upn, identity, run_id, reason, outcome, skus, detail, disabled_plans::VARCHAR AS plans
       FROM reclamations WHERE workflow_id = $1 ORDER BY "at", event`,
      [workflowId],
    );
    return r.rows as unknown as AuditRow[];
  } finally {
    db.close();
  }
}

/** Successful assignLicense calls for one user, from the simulator's log. */
export const removalsOf = (sim: SimulatorHandle, userId: string) =>
  sim.state.assignLicenseLog.filter((e) => e.userId === userId && e.status === 200 && e.removeLicenses.length > 0);
