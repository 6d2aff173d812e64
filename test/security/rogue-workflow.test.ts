// An attacker who can reach Temporal runs their own workflow code (test/security/rogue/workflows.ts) on their own
// queue, under our workflow type names and a workflow id of a reclamation or restore, and schedules our activities
// straight onto the deployment's queues with forged inputs: audit rows claiming an approval or a removal, a removal
// and a restore with proofs and a receipt copied from another run's history. The real workers run those tasks; each
// must be refused, with no licence changed and no audit row written.
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReclamation } from '../../src/cli/reclaim/command';
import { startDailySync } from '../../src/cli/start-daily';
import { reclaimWorkflowId, restoreWorkflowId } from '../../src/shared/names';
import { approveUpdate, type ReclaimState } from '../../src/workflows/reclaim/messages';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient, connectWorker, uniqueName } from '../support/temporal';
import { bindingOf, People } from '../support/reclaim-people';
import { auditRows, directOnly, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';
import type { ForgedCalls } from './rogue/workflows';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("an attacker's own workflow scheduling our activities with forged inputs", () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  let rogue: Worker;
  let rogueRunning: Promise<void>;
  const rogueQueue = uniqueName('rogue');
  // A genuine reclamation, whose sealed proofs and receipt anyone reading its history can copy.
  let genuine: { u: PickedUser; id: string; requester: { idToken: string }; approval: { idToken: string }; receipt: string };
  let victim: PickedUser;
  let outsider: string;

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 400, seed: 2208, today: day(0) } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    const pick = userPicker(p.sim);
    const notAdmin = (u: PickedUser) => directOnly(u) && !p.sim.state.directory.admins.includes(u.id);
    const u = pick(notAdmin);
    victim = pick(notAdmin);
    outsider = pick(notAdmin).id;
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: day(0) }, { taskQueue: p.taskQueue, force: true })).result();
    const requester = people.requesterFor(u.id);
    const h = await startReclamation(client.client, { tenantId: p.sim.tenantId, userId: u.id, requester, approvalTimeout: '10 minutes' }, { taskQueue: p.taskQueue });
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    const b = await bindingOf(client.client, h.workflowId, 'approve');
    const approval = { idToken: people.token('approver', b) };
    expect(await h.executeUpdate(approveUpdate, { args: [{ ...approval, runId: b.runId!, scopeHash: b.scopeHash! }] })).toMatchObject({ accepted: true });
    const s: ReclaimState = await h.result();
    expect(s.status).toBe('executed');
    genuine = { u, id: h.workflowId, requester, approval, receipt: s.receipt! };

    const code = await bundleWorkflowCode({
      workflowsPath: path.join(import.meta.dirname, 'rogue', 'workflows.ts'),
      logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    rogue = await Worker.create({ connection: await connectWorker(), namespace: 'default', taskQueue: rogueQueue, workflowBundle: code });
    rogueRunning = rogue.run();
  }, 240_000);

  afterAll(async () => {
    if (rogue?.getState() === 'RUNNING') rogue.shutdown();
    await rogueRunning?.catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const forge = (type: 'reclaimLicenses' | 'restoreLicenses', workflowId: string, calls: Omit<ForgedCalls, 'mainQueue' | 'warehouseQueue'>) =>
    client.client.workflow.execute(type, { taskQueue: rogueQueue, workflowId, args: [{ mainQueue: p.taskQueue, warehouseQueue: p.warehouseTaskQueue, ...calls }] }) as Promise<
      string[]
    >;

  it('forged audit rows and a removal for a user nobody asked about: each refused, nothing written or removed', async () => {
    const id = reclaimWorkflowId(p.sim.tenantId, victim.id);
    const before = p.sim.state.assignedLicenses(victim.id);
    const genuineRows = (await auditRows(p.config.dbPath, genuine.id)).length;
    const skus = before.map((l) => l.skuId);
    const row = { workflowId: id, tenantId: p.sim.tenantId, userId: victim.id, identity: 'verified', at: new Date().toISOString(), skus };
    // A tenant member with a real sign-in, requesting for this very workflow id.
    const ownRequest = { idToken: people.bind(p.sim.idToken(outsider), { purpose: 'request', workflowId: id }) };
    const out = await forge('reclaimLicenses', id, {
      rows: [
        { ...row, event: 'approved', outcome: null, actor: people.id('approver') },
        { ...row, event: 'approved', outcome: null, actor: people.id('approver'), proof: genuine.approval, requesterProof: genuine.requester },
        { ...row, event: 'approved', outcome: null, actor: people.id('approver'), proof: genuine.approval, requesterProof: ownRequest },
        { ...row, event: 'executed', outcome: 'executed', actor: people.id('approver'), receipt: genuine.receipt },
        { ...row, workflowId: genuine.id, userId: genuine.u.id, event: 'requested', outcome: null, actor: people.id('requester'), proof: genuine.requester },
      ],
      removal: { tenantId: p.sim.tenantId, userId: victim.id, skus, approvedScope: skus, requester: ownRequest, approval: genuine.approval },
    });
    expect(out).toEqual([
      'refused: not authorised: requester_no_proof',
      'refused: not authorised: requester_proof_bound_elsewhere',
      'refused: not authorised: decision_proof_bound_elsewhere',
      'refused: not authorised: receipt_not_for_this_row',
      'refused: not authorised: row_for_another_workflow',
      JSON.stringify({ outcome: 'refused', problem: 'decision_proof_bound_elsewhere' }),
    ]);
    expect(p.sim.state.assignedLicenses(victim.id)).toEqual(before);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === victim.id)).toHaveLength(0);
    expect(await auditRows(p.config.dbPath, id)).toEqual([]);
    expect(await auditRows(p.config.dbPath, genuine.id)).toHaveLength(genuineRows);
  }, 120_000);

  it('a forged restore with the genuine removal receipt but no approval of its own: refused, nothing assigned', async () => {
    const id = restoreWorkflowId(genuine.id);
    const rowsBefore = (await auditRows(p.config.dbPath, genuine.id)).length;
    const ownRequest = { idToken: people.bind(p.sim.idToken(outsider), { purpose: 'request', workflowId: id }) };
    const out = await forge('restoreLicenses', id, {
      rows: [
        {
          workflowId: genuine.id,
          tenantId: p.sim.tenantId,
          userId: genuine.u.id,
          event: 'restored',
          outcome: 'restored',
          actor: people.id('approver'),
          at: new Date().toISOString(),
          receipt: genuine.receipt,
        },
      ],
      restore: { tenantId: p.sim.tenantId, receipt: genuine.receipt, requester: ownRequest, approval: genuine.approval },
    });
    expect(out).toEqual(['refused: not authorised: receipt_not_for_this_row', JSON.stringify({ outcome: 'refused', problem: 'decision_proof_bound_elsewhere' })]);
    expect(p.sim.state.assignedLicenses(genuine.u.id)).toEqual([]);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === genuine.u.id && e.addLicenses.length > 0)).toHaveLength(0);
    expect(await auditRows(p.config.dbPath, genuine.id)).toHaveLength(rowsBefore);
  }, 120_000);
});
