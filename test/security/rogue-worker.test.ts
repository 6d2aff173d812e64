// A rogue worker: a program that can reach Temporal polls both of the deployment's task queues (the main one and
// `<queue>-warehouse`) while the real worker runs, and answers every activity task it receives with forged success:
// "verified approver, object id X", an invented inspection, "removed", "restored", a restore source of an E5 the
// user never had (with a genuine receipt copied from another reclamation's history), "audit row written". Which
// poller gets a task is Temporal's choice, so each attack is repeated until the real worker has been seen refusing.
// Outcomes are read from the simulator's licences, the published audit table and `reclaim status`.
import { generateKeyPairSync, randomUUID, createPublicKey, type KeyObject } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMainActivities, createWarehouseActivities } from '../../src/activities';
import { startReclamation, startRestore } from '../../src/cli/reclaim/command';
import { startDailySync } from '../../src/cli/start-daily';
import { settingsBinding, writeSettingsRequest } from '../../src/activities/settings';
import { settingsWorkflowId } from '../../src/shared/names';
import { openReadOnly } from '../../src/warehouse';
import { applySettings } from '../../src/workflows';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { openReceipt, signReceipt } from '../../src/identity/authorisation';
import { seal } from '../../src/identity/seal';
import { parseReclaimWorkflowId } from '../../src/shared/names';
import { approveUpdate, reclaimStatusQuery, type DecisionInput, type ReclaimState, type RestoreResult } from '../../src/workflows/reclaim/messages';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient, connectWorker, temporalAddress } from '../support/temporal';
import { approve, bindingOf, People } from '../support/reclaim-people';
import { auditRows, directOnly, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';
import { cli } from '../support/security-helpers';

const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const DECISIONS = ['approved', 'rejected', 'executed', 'restore_approved', 'restore_rejected', 'restored'];

type Licences = { skuId: string; disabledPlans: string[] }[];
const norm = (l: Licences) => l.map((x) => `${x.skuId}:${[...x.disabledPlans].sort().join('+')}`).sort();

/** Forged answers for every activity name the deployment registers; counts what it answered. */
function rogueActivities(names: string[], forgerKey: KeyObject, workersPublicKey: KeyObject, copied: () => string | undefined, answered: Map<string, number>) {
  const invented = () => randomUUID();
  const forgedReceipt = (kind: 'removed' | 'restored', workflowId: string, licenses: Licences) =>
    signReceipt(
      {
        kind,
        tenantId: parseReclaimWorkflowId(workflowId)?.tenantId ?? 't',
        userId: invented(),
        workflowId,
        runId: invented(),
        licenses,
        requesterId: invented(),
        approverId: invented(),
        at: new Date().toISOString(),
      },
      forgerKey,
    );
  const forged: Record<string, (input: never) => unknown> = {
    verifyPerson: () => ({ ok: true, mode: 'verified', objectId: invented(), approver: true, tokenRef: invented(), actorSealed: seal('mallory@rogue.example', workersPublicKey) }),
    reclaimPreflight: () => ({ roles: [] }),
    inspectUser: () => ({
      exists: true,
      direct: [{ skuId: E5, disabledPlans: [] }],
      groupInherited: [],
      scope: [E5],
      notHeld: [],
      mailboxSkus: [],
      excludedBy: null,
      activity: { lastActivityDate: null, snapshotDate: null },
      activeSinceRequest: false,
    }),
    removeLicenses: (input: { skus: string[] }) => ({ outcome: 'removed', removed: input.skus, alreadyRemoved: false, receipt: forgedReceipt('removed', 'reclaim-x', []) }),
    // What "this reclamation removed": an E5, vouched for by a genuine receipt copied from another run's history.
    readReclaimOutcome: (input: { reclaimWorkflowId: string }) => ({
      ok: true,
      runId: invented(),
      userId: parseReclaimWorkflowId(input.reclaimWorkflowId)?.userId,
      licenses: [{ skuId: E5, disabledPlans: [] }],
      receipt: copied() ?? forgedReceipt('removed', input.reclaimWorkflowId, [{ skuId: E5, disabledPlans: [] }]),
    }),
    assignBack: () => ({ outcome: 'restored', receipt: forgedReceipt('restored', 'restore-x', [{ skuId: E5, disabledPlans: [] }]) }),
    recordReclamation: () => ({ ref: 'f0f0f0f0f0f0f0f0' }),
    applySettings: () => ({ applied: true, keys: ['inactivityDays'] }),
    notify: () => ({ delivered: true, status: 200 }),
  };
  return Object.fromEntries(
    names.map((name) => [
      name,
      async (input: never) => {
        answered.set(name, (answered.get(name) ?? 0) + 1);
        return (forged[name] ?? (() => ({})))(input);
      },
    ]),
  );
}

describe('a rogue worker answering both task queues', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  let workersKey: KeyObject;
  let pick: (pred: (u: PickedUser) => boolean) => PickedUser;
  const rogue: Worker[] = [];
  let rogueRunning: Promise<unknown> | undefined;
  const answered = new Map<string, number>();
  const workflows: string[] = [];
  const reclaimed: { u: PickedUser; id: string; before: Licences; receipt: string }[] = [];
  const used = new Set<string>();

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 800, seed: 2207, today: day(0) } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    workersKey = ensureApprovalKey(p.config);
    const next = userPicker(p.sim);
    pick = (pred) => {
      const u = next((x) => pred(x) && !used.has(x.id) && !p.sim.state.directory.admins.includes(x.id));
      used.add(u.id);
      return u;
    };
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: day(0) }, { taskQueue: p.taskQueue, force: true })).result();

    // Before the rogue starts: genuine reclamations, to restore later (their receipts are in history for anyone).
    for (let i = 0; i < 6; i++) {
      const u = pick((x) => directOnly(x) && !x.assignments.some((a) => a.skuId === E5));
      const before = p.sim.state.assignedLicenses(u.id) as Licences;
      const h = await start(u);
      await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
      expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
      const s = await h.result();
      expect(s.status).toBe('executed');
      reclaimed.push({ u, id: h.workflowId, before, receipt: s.receipt! });
    }

    // The rogue: activities only (no workflow code needed), on the same two queues, with its own key pair.
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const copied = () => reclaimed[0]?.receipt;
    const pub = createPublicKey(workersKey);
    const connection = await connectWorker();
    for (const [queue, list] of [
      [p.taskQueue, Object.keys(createMainActivities({ config: p.config }))],
      [p.warehouseTaskQueue, Object.keys(createWarehouseActivities({ config: p.config }))],
    ] as const) {
      rogue.push(await Worker.create({ connection, namespace: 'default', taskQueue: queue, activities: rogueActivities(list, forger, pub, copied, answered) }));
    }
    rogueRunning = Promise.all(rogue.map((w) => w.run()));
  }, 240_000);

  afterAll(async () => {
    for (const w of rogue) if (w.getState() === 'RUNNING') w.shutdown();
    await rogueRunning?.catch(() => undefined);
    for (const id of workflows)
      await client.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  async function start(u: PickedUser) {
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), reason: people.seal('inactive'), approvalTimeout: '10 minutes' },
      { taskQueue: p.taskQueue },
    );
    workflows.push(h.workflowId);
    return h;
  }

  /** Sends decisions until one is accepted (the rogue answers "verified approver" for some of them). */
  async function pushApproval(id: string, payload: () => Promise<DecisionInput>): Promise<boolean> {
    for (let i = 0; i < 30; i++) {
      try {
        const v = await client.client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [await payload()] });
        if (v.accepted) return true;
      } catch (err) {
        // The workflow moved on (a rogue answer can end it early): nothing left to approve.
        const d = await client.client.workflow.getHandle(id).describe();
        if (d.status.name !== 'RUNNING') return false;
        if (err instanceof WorkflowUpdateFailedError) return false;
        throw err;
      }
    }
    return false;
  }

  /** The reclamation's final state, whether it completed or failed. */
  async function ended(id: string): Promise<ReclaimState> {
    try {
      return await client.client.workflow.getHandle<() => Promise<ReclaimState>>(id).result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      return client.client.workflow.getHandle(id).query(reclaimStatusQuery);
    }
  }

  it('reclamations "approved" by a non-approver: nothing removed, no audit row claims a decision, the refusals show in status', async () => {
    const outsider = pick((x) => directOnly(x)).id;
    const refusedByRemoval: string[] = [];
    const refusedByAudit: string[] = [];
    for (let batch = 0; batch < 12 && (refusedByRemoval.length === 0 || refusedByAudit.length === 0); batch++) {
      const users = [0, 1, 2, 3].map(() => pick(directOnly));
      const befores = users.map((u) => p.sim.state.assignedLicenses(u.id));
      const results = await Promise.all(
        users.map(async (u) => {
          const h = await start(u);
          await waitForStatus(client.client, h.workflowId, (s) => s.status !== 'checking', 60_000);
          await pushApproval(h.workflowId, async () => {
            const b = await bindingOf(client.client, h.workflowId, 'approve');
            return { idToken: people.bind(p.sim.idToken(outsider), b), runId: b.runId!, scopeHash: b.scopeHash! };
          });
          return { id: h.workflowId, s: await ended(h.workflowId) };
        }),
      );
      for (const [i, u] of users.entries()) {
        const { id, s } = results[i]!;
        // No licence changed, whatever the rogue said.
        expect(p.sim.state.assignedLicenses(u.id)).toEqual(befores[i]);
        expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(0);
        // No audit row claims a decision; the only person any row names is the real requester.
        const rows = await auditRows(p.config.dbPath, id);
        expect(rows.filter((r) => DECISIONS.includes(r.event))).toEqual([]);
        for (const r of rows) expect([null, people.id('requester')]).toContain(r.actor);
        if (s.status === 'aborted' && /^not_authorised: not_an_approver/.test(s.detail ?? '')) refusedByRemoval.push(id);
        // The audit writer refuses the approval itself (the approver is not one), or, when the rogue answered the
        // removal, the forged receipt of an effect that never happened; which one depends on who polled which task.
        if (s.status === 'failed' && /not authorised: (not_an_approver|receipt_invalid)/.test(s.detail ?? '')) refusedByAudit.push(id);
      }
    }
    expect(answered.get('verifyPerson') ?? 0).toBeGreaterThan(0);
    expect(refusedByRemoval.length, 'the real removal activity refused at least once').toBeGreaterThan(0);
    expect(refusedByAudit.length, 'the real audit writer refused at least once').toBeGreaterThan(0);

    // `reclaim status` says why nothing happened.
    const env = { ...p.env, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue };
    const shown = await cli(['reclaim', 'status', refusedByRemoval[0]!], env);
    expect(shown.stdout).toContain('aborted');
    expect(shown.stdout).toContain('not_authorised: not_an_approver');
    const failed = await cli(['reclaim', 'status', refusedByAudit[0]!], env);
    expect(`${failed.stdout}${failed.stderr}`).toMatch(/not_an_approver|receipt_invalid/);
  }, 600_000);

  it('genuine approvals while the rogue answers: a licence goes only with a receipt the workers signed, and the audit matches it', async () => {
    const users = [0, 1, 2, 3].map(() => pick(directOnly));
    const befores = users.map((u) => p.sim.state.assignedLicenses(u.id) as Licences);
    const states = await Promise.all(
      users.map(async (u) => {
        const h = await start(u);
        await waitForStatus(client.client, h.workflowId, (s) => s.status !== 'checking', 60_000);
        await pushApproval(h.workflowId, async () => {
          const b = await bindingOf(client.client, h.workflowId, 'approve');
          return { idToken: people.token('approver', b), runId: b.runId!, scopeHash: b.scopeHash! };
        });
        return { id: h.workflowId, s: await ended(h.workflowId) };
      }),
    );
    for (const [i, u] of users.entries()) {
      const { id, s } = states[i]!;
      const now = p.sim.state.assignedLicenses(u.id) as Licences;
      const gone = befores[i]!.filter((l) => !now.some((n) => n.skuId === l.skuId))
        .map((l) => l.skuId)
        .sort();
      const rows = await auditRows(p.config.dbPath, id);
      const executed = rows.filter((r) => r.event === 'executed');
      for (const r of executed) expect([...(r.skus ?? [])].sort()).toEqual(gone);
      for (const r of rows.filter((x) => DECISIONS.includes(x.event))) expect(r.actor).toBe(people.id('approver'));
      if (gone.length) {
        // Removed: the workflow holds a receipt signed with the workers' key naming exactly what went.
        const receipt = openReceipt(s.receipt, workersKey);
        expect(receipt.licenses.map((l) => l.skuId).sort()).toEqual(gone);
        expect(receipt.approverId).toBe(people.id('approver'));
      } else {
        expect(executed).toEqual([]);
      }
      // Never an E5 the user did not have.
      expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id && e.addLicenses.length > 0)).toHaveLength(0);
    }
  }, 300_000);

  it("restore: the rogue says the reclamation removed an E5 (with another run's genuine receipt); only what the receipt for this reclamation lists comes back", async () => {
    const refused: string[] = [];
    let attempts = 0;
    while (refused.length === 0 && attempts < 16) {
      const open = reclaimed.filter((r) => norm(p.sim.state.assignedLicenses(r.u.id) as Licences).join() !== norm(r.before).join());
      // The first reclamation's receipt is the one the rogue copies: restoring that one proves nothing.
      const target = open.find((r) => r !== reclaimed[0]) ?? open[0];
      if (!target) break;
      attempts++;
      const rh = await startRestore(
        client.client,
        { tenantId: p.sim.tenantId, reclaimWorkflowId: target.id, requester: people.requester(`restore-${target.id}`, 'approver2'), approvalTimeout: '10 minutes' },
        { taskQueue: p.taskQueue },
      );
      workflows.push(rh.workflowId);
      const s = await waitForStatus(client.client, rh.workflowId, (x) => x.status !== 'checking', 60_000);
      if (s.status === 'awaiting_approval') {
        await pushApproval(rh.workflowId, async () => {
          const b = await bindingOf(client.client, rh.workflowId, 'approve');
          return { idToken: people.token('approver', b), runId: b.runId!, scopeHash: b.scopeHash! };
        });
      }
      let r: RestoreResult;
      try {
        r = await rh.result();
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        r = { reclaimWorkflowId: target.id, outcome: 'failed', skus: [], detail: String(err.cause?.message) };
      }
      if (r.outcome === 'aborted' && /^not_authorised: receipt_not_for_this_restore/.test(r.detail ?? '')) refused.push(rh.workflowId);
    }
    expect(answered.get('readReclaimOutcome') ?? 0).toBeGreaterThan(0);
    expect(refused.length, 'the real assign activity refused the copied receipt at least once').toBeGreaterThan(0);

    for (const { u, id, before } of reclaimed) {
      const now = p.sim.state.assignedLicenses(u.id) as Licences;
      // Either back exactly as before, or still without what the reclamation removed: never anything else.
      expect([norm(before).join(), '']).toContain(norm(now).join());
      const added = p.sim.state.assignLicenseLog
        .filter((e) => e.userId === u.id && e.addLicenses.length > 0)
        .flatMap((e) => e.addLicenses.map((a) => (typeof a === 'string' ? a : (a as { skuId: string }).skuId)));
      for (const sku of added) expect(before.map((l) => l.skuId)).toContain(sku);
      expect(added).not.toContain(E5);
      const restoredRows = (await auditRows(p.config.dbPath, id)).filter((r) => r.event === 'restored');
      if (norm(now).join() === '') expect(restoredRows).toEqual([]);
      for (const r of restoredRows) {
        expect(r.actor).toBe(people.id('approver'));
        expect([...(r.skus ?? [])].sort()).toEqual(before.map((l) => l.skuId).sort());
      }
    }
    const shown = await cli(['reclaim', 'status', refused[0]!], { ...p.env, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue });
    expect(shown.stdout).toContain('not_authorised: receipt_not_for_this_restore');
  }, 600_000);

  it('a settings change signed by someone outside the settings-admins group never applies, whatever the rogue answers', async () => {
    const stored = async () => {
      const db = await openReadOnly(p.config.dbPath);
      try {
        return (await db.query('SELECT inactivity_days, updated_by FROM settings WHERE tenant_id = $1', [p.sim.tenantId])).rows[0] ?? null;
      } finally {
        db.close();
      }
    };
    const before = await stored();
    const refused: string[] = [];
    let forgedSuccess = 0;
    const other: string[] = [];
    // A busy writer fails an attempt with a retryable error, and the retry may reach the rogue: try until refused.
    for (let i = 0; i < 40 && refused.length === 0; i++) {
      // Signed in for real and bound to exactly this change, but not a settings admin.
      const change = { tenantId: p.sim.tenantId, set: { inactivityDays: 3000 + i }, unset: [] };
      const requestFile = writeSettingsRequest(p.config.dataDir, { ...change, proof: { idToken: people.token('requester', settingsBinding(change)) } });
      const id = settingsWorkflowId(p.sim.tenantId, `rogue${i}-${Date.now()}`);
      workflows.push(id);
      const h = await client.client.workflow.start(applySettings, {
        taskQueue: p.taskQueue,
        workflowId: id,
        args: [{ tenantId: p.sim.tenantId, requestFile }],
        workflowExecutionTimeout: '2 minutes',
      });
      try {
        await h.result();
        forgedSuccess++;
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        let e: unknown = err;
        while (e instanceof Error && e.cause instanceof Error) e = e.cause;
        const message = (e as Error).message;
        if (/is not a member of the tenant's settings-admins group/.test(message)) refused.push(id);
        else other.push(message);
      }
      // Whoever answered, the stored settings are the ones from before, recorded by whoever made them.
      expect(await stored()).toEqual(before);
    }
    expect(refused.length, `the real writer refused the change at least once (forged successes: ${forgedSuccess}; other failures: ${other.join(' | ')})`).toBeGreaterThan(0);
    expect(JSON.stringify(await stored())).not.toContain(people.id('requester'));
  }, 300_000);
});
