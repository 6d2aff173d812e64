// Replay of a sealed proof: a proof copied out of one workflow's history
// must not count anywhere else within the token's age limit. The approval of reclamation A, replayed on
// reclamation B with B's run id and scope hash (through the plain temporal CLI and through the Update), is refused
// as `proof_bound_elsewhere` and recorded; so is a proof sealed to reject used to approve, an unbound sealed ID token
// (`proof_unbound`), and A's request proof used to start another reclamation. B's licences stay.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReclamation } from '../../src/cli/reclaim/command';
import { startDailySync } from '../../src/cli/start-daily';
import { approveUpdate, type DecisionInput, type ReclaimInput } from '../../src/workflows/reclaim/messages';
import { historyText } from '../support/history';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient, temporalAddress } from '../support/temporal';
import { bindingOf, decision, People } from '../support/reclaim-people';
import { auditRows, directOnly, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';

const run = promisify(execFile);
const TODAY = new Date().toISOString().slice(0, 10);

describe('a sealed proof counts only for what it was sealed for', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  const workflows: string[] = [];
  const users: PickedUser[] = [];
  const pick = (): PickedUser => {
    const u = userPicker(p.sim)((x) => directOnly(x) && !users.some((y) => y.id === x.id) && !p.sim.state.directory.admins.includes(x.id));
    users.push(u);
    return u;
  };

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 400, seed: 117, today: TODAY } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    // A published snapshot: the audit trail and the re-check live in the warehouse.
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue })).result();
  }, 180_000);
  afterAll(async () => {
    for (const id of workflows)
      await client.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const start = async (u: PickedUser, extra: Partial<ReclaimInput> = {}) => {
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '10 minutes', ...extra },
      { taskQueue: p.taskQueue },
    );
    workflows.push(h.workflowId);
    return h;
  };
  const waiting = (id: string) => waitForStatus(client.client, id, (s) => s.status === 'awaiting_approval');
  const tryApprove = async (id: string, payload: DecisionInput): Promise<string> => {
    try {
      const v = await client.client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [payload] });
      return v.accepted ? 'accepted' : v.reason;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return `invalid: ${(err.cause as Error).message}`;
      throw err;
    }
  };

  it("A's approval replayed on B with B's run and scope is refused and recorded; B's licences stay", async () => {
    const [ua, ub] = [pick(), pick()];
    const [a, b] = [await start(ua), await start(ub)];
    await Promise.all([waiting(a.workflowId), waiting(b.workflowId)]);
    const bBefore = p.sim.state.assignedLicenses(ub.id);
    const bRows = (await auditRows(p.config.dbPath, b.workflowId)).length;

    // A is approved by a real approver; the proof is now in A's history, where anyone with read access can copy it.
    const aDecision = await decision(client.client, people, a.workflowId, 'approver');
    expect(await tryApprove(a.workflowId, aDecision)).toBe('accepted');
    const copied = aDecision.idToken!;
    expect(await historyText(client.client, a.workflowId)).toContain(copied);

    // Replayed on B, rebound in the payload to B's run and scope: the sealed binding still names A.
    const sb = await waiting(b.workflowId);
    const replay: DecisionInput = { idToken: copied, runId: sb.runId, scopeHash: sb.scopeHash };
    const cli = inject('temporalCli');
    await run(cli, ['workflow', 'signal', '--workflow-id', b.workflowId, '--name', 'approve', '--input', JSON.stringify(replay), '--address', temporalAddress()]);
    const afterSignal = await waitForStatus(client.client, b.workflowId, (x) => x.events.some((e) => e.kind === 'ignored_approve'));
    expect(afterSignal.events.filter((e) => e.kind === 'ignored_approve').map((e) => e.note)).toEqual(['identity: proof_bound_elsewhere']);
    expect(await tryApprove(b.workflowId, replay)).toBe('identity: proof_bound_elsewhere');

    // The same person's proof for B but sealed to reject cannot approve; a bare sealed ID token (no binding) neither.
    const bBinding = await bindingOf(client.client, b.workflowId, 'approve');
    expect(await tryApprove(b.workflowId, { ...replay, idToken: people.token('approver', { ...bBinding, purpose: 'reject' }) })).toBe('identity: proof_bound_elsewhere');
    expect(await tryApprove(b.workflowId, { ...replay, idToken: people.token('approver', { ...bBinding, runId: 'another-run' }) })).toBe('identity: proof_bound_elsewhere');
    expect(await tryApprove(b.workflowId, { ...replay, idToken: people.seal(p.sim.idToken(people.id('approver'))) })).toBe('identity: proof_unbound');

    const sNow = await waiting(b.workflowId);
    expect(sNow.decision).toBeUndefined();
    expect(p.sim.state.assignedLicenses(ub.id)).toEqual(bBefore);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === ub.id)).toHaveLength(0);
    const rows = await auditRows(p.config.dbPath, b.workflowId);
    expect(rows).toHaveLength(bRows);
    expect(rows.map((r) => r.event)).not.toContain('approved');

    // B's own, correctly bound approval still goes through: the refusals above did not burn anything.
    expect(await tryApprove(b.workflowId, await decision(client.client, people, b.workflowId, 'approver2'))).toBe('accepted');
  });

  it("A's request proof cannot start a reclamation of another user", async () => {
    const [ua, uc] = [pick(), pick()];
    const a = await start(ua);
    await waiting(a.workflowId);
    const c = await start(uc, { requester: people.requesterFor(ua.id) });
    const s = await c.result();
    expect(s.status).toBe('aborted');
    expect(s.detail).toBe('requester_not_verified: proof_bound_elsewhere');
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === uc.id)).toHaveLength(0);
  });
});
