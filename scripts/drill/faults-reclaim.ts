// Reclamations under faults: one approved while a Graph worker is down, one whose removal is in flight when its
// worker dies; beside them one rejected and one left pending, which must remove nothing.
import type { AppConfig } from '../../src/config';
import { startReclamation } from '../../src/cli/reclaim/command';
import type { SimulatorHandle } from '../../src/simulator';
import { People, reject, signalApprove } from '../../test/support/reclaim-people';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus } from '../../test/support/reclaim-helpers';
import { pendingActivities, record, sleep, until, type DrillContext } from './context';
import path from 'node:path';

export interface Reclamation {
  workflowId: string;
  sim: SimulatorHandle;
  userId: string;
  decision: 'approved' | 'rejected' | 'pending';
}

export async function reclaimUnderFaults(ctx: DrillContext, config: AppConfig): Promise<Reclamation[]> {
  const sims = ctx.tenants.sims;
  const a = sims[1 % sims.length]!;
  const b = sims[2 % sims.length]!;
  const pickers = new Map(sims.map((s) => [s, userPicker(s)]));
  const people = new Map(sims.map((s) => [s, new People(s, config)]));
  const open = async (sim: SimulatorHandle, decision: Reclamation['decision']): Promise<Reclamation> => {
    const u = pickers.get(sim)!(directOnly);
    const h = await startReclamation(
      ctx.client,
      { tenantId: sim.tenantId, userId: u.id, requester: people.get(sim)!.requesterFor(u.id), approvalTimeout: '2 hours' },
      { taskQueue: ctx.taskQueue },
    );
    return { workflowId: h.workflowId, sim, userId: u.id, decision };
  };
  const all = [await open(a, 'approved'), await open(b, 'approved'), await open(a, 'rejected'), await open(a, 'pending')];
  for (const r of all) await waitForStatus(ctx.client, r.workflowId, (s) => s.status === 'awaiting_approval', 120_000);
  const [whileDown, inFlight, rejected] = all as [Reclamation, Reclamation, Reclamation, Reclamation];

  // 5a. Approved while a Graph worker is down: the other worker carries it through.
  const down = ctx.graphWorkers[0]!;
  await down.kill('SIGKILL');
  const struckA = Date.now();
  await signalApprove(ctx.client, people.get(whileDown.sim)!, whileDown.workflowId);
  const a1 = await waitForStatus(ctx.client, whileDown.workflowId, (s) => ['executed', 'failed', 'aborted', 'not_authorised'].includes(s.status), 300_000);
  record(ctx, 'reclamation approved while a Graph worker is down', struckA, `${down.name} down; ${a1.status} by the other worker`, a1.status === 'executed' ? Date.now() : null);
  await down.start();

  await reject(ctx.client, people.get(rejected.sim)!, rejected.workflowId);

  // 5b. The removal in flight when its worker dies: the simulator holds the assignLicense call 4 s, then applies it.
  inFlight.sim.state.setFaults('assignLicense:slow:ms=4000:times=1');
  await signalApprove(ctx.client, people.get(inFlight.sim)!, inFlight.workflowId);
  const holder = await until(
    'removeLicenses running',
    async () => {
      const p = (await pendingActivities(ctx.client, inFlight.workflowId)).find((x) => x.type === 'removeLicenses' && x.state === 'started');
      return p && ctx.graphWorkers.find((r) => r.identity === p.worker);
    },
    120_000,
    100,
  );
  await sleep(1_500);
  const struckB = Date.now();
  await holder.kill('SIGKILL');
  await sleep(2_000);
  await holder.start();
  const b1 = await waitForStatus(ctx.client, inFlight.workflowId, (s) => ['executed', 'failed', 'aborted', 'not_authorised'].includes(s.status), 300_000);
  const retried = b1.events.some((e) => e.kind === 'already_removed') ? 'retry found the licences already removed' : 'retry removed them';
  record(ctx, 'Graph worker SIGKILL mid removal', struckB, `${holder.name} died holding removeLicenses; ${b1.status}, ${retried}`, b1.status === 'executed' ? Date.now() : null);
  return all;
}

export interface ReclaimVerdict {
  approved: number;
  executedOnce: number;
  wronglyRemoved: number;
  problems: string[];
}

/** Exactly one removal and one `executed` audit row per approved reclamation; no removal anywhere else. */
export async function checkReclamations(ctx: DrillContext, all: Reclamation[]): Promise<ReclaimVerdict> {
  const problems: string[] = [];
  let executedOnce = 0;
  for (const r of all.filter((x) => x.decision === 'approved')) {
    const removals = removalsOf(r.sim, r.userId).length;
    const rows = (await auditRows(path.join(ctx.dataDir, 'm365.duckdb'), r.workflowId)).filter((x) => x.event === 'executed').length;
    if (removals === 1 && rows === 1) executedOnce++;
    else problems.push(`${r.workflowId}: ${removals} removals, ${rows} executed audit rows (want 1 and 1)`);
  }
  const approvedUsers = new Set(all.filter((x) => x.decision === 'approved').map((x) => x.userId));
  let wronglyRemoved = 0;
  for (const sim of ctx.tenants.sims) {
    for (const e of sim.state.assignLicenseLog) {
      if (e.status === 200 && e.removeLicenses.length > 0 && !approvedUsers.has(e.userId)) {
        wronglyRemoved++;
        problems.push(`licences of ${e.userId} removed without an approval`);
      }
    }
  }
  return { approved: approvedUsers.size, executedOnce, wronglyRemoved, problems };
}
