// Attacks on the approval model, against the real dev server, workers, CLI binary of
// Temporal and simulator. Each must be refused, and leave the audit trail and the simulator's licences as they were:
// self-approval under another name, forged / expired / wrong-audience / unsealed tokens, a non-approver, an approval
// bound to another run or scope, a decision before the scope exists, malformed signals, restore after a tampered
// warehouse, and a re-check with the warehouse missing or stale. Then a scan of every recorded history.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { renameSync } from 'node:fs';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReclamation, startRestore } from '../../src/cli/reclaim/command';
import { startDailySync } from '../../src/cli/start-daily';
import { publish, updateSettings, withWriter } from '../../src/warehouse';
import { approveUpdate, reclaimStatusQuery, type DecisionInput, type ReclaimInput, type ReclaimState } from '../../src/workflows/reclaim/messages';
import { historyText } from '../support/history';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient, temporalAddress } from '../support/temporal';
import type { ProofBinding } from '../../src/identity/proof';
import { approve, bindingOf, decision, People, reject, JWT_IN_TEXT } from '../support/reclaim-people';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';

const run = promisify(execFile);
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('approval attacks are refused and change nothing', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  let pick: ReturnType<typeof userPicker>;
  const workflows: string[] = [];
  const users: PickedUser[] = [];

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 600, seed: 91, today: day(0) } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    pick = (pred) => {
      const u = userPicker(p.sim)((x) => pred(x) && !users.some((y) => y.id === x.id) && !p.sim.state.directory.admins.includes(x.id));
      users.push(u);
      return u;
    };
  }, 120_000);
  afterAll(async () => {
    for (const id of workflows)
      await client.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const sync = async (date: string) => (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: date }, { taskQueue: p.taskQueue, force: true })).result();
  const start = async (u: PickedUser, extra: Partial<ReclaimInput> = {}) => {
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), reason: people.seal('inactive'), approvalTimeout: '10 minutes', ...extra },
      { taskQueue: p.taskQueue },
    );
    workflows.push(h.workflowId);
    return h;
  };
  const waiting = (id: string) => waitForStatus(client.client, id, (s) => s.status === 'awaiting_approval');
  /** The update's answer: accepted, the handler's refusal, or the validator's (which leaves no trace in history). */
  const tryApprove = async (id: string, payload: DecisionInput): Promise<string> => {
    try {
      const v = await client.client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [payload] });
      return v.accepted ? 'accepted' : v.reason;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return `invalid: ${(err.cause as Error).message}`;
      throw err;
    }
  };
  const unchanged = async (u: PickedUser, id: string, before: { licences: unknown; rows: number }) => {
    expect(p.sim.state.assignedLicenses(u.id)).toEqual(before.licences);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(0);
    const rows = await auditRows(p.config.dbPath, id);
    expect(rows).toHaveLength(before.rows);
    expect(rows.map((r) => r.event)).not.toContain('approved');
  };
  const snapshotOf = async (u: PickedUser, id: string) => ({ licences: p.sim.state.assignedLicenses(u.id), rows: (await auditRows(p.config.dbPath, id)).length });

  it('re-check fails closed: a snapshot older than the freshness setting aborts after approval, nothing removed', async () => {
    await sync(day(-10)); // the only snapshot is 10 days old (freshness: 7)
    const u = pick(directOnly);
    const h = await start(u);
    await waiting(h.workflowId);
    const before = p.sim.state.assignedLicenses(u.id);
    expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
    const s = await h.result();
    expect(s.status).toBe('aborted');
    expect(s.detail).toMatch(/^snapshot_stale/);
    expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);
    expect(removalsOf(p.sim, u.id)).toHaveLength(0);
    expect((await auditRows(p.config.dbPath, h.workflowId)).find((r) => r.event === 'aborted')?.detail).toMatch(/^snapshot_stale/);
    await sync(day(0));
  });

  it('self-approval under another name, forged, expired, wrong-audience, unsealed and non-approver tokens: refused, nothing changes', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waiting(h.workflowId);
    const before = await snapshotOf(u, h.workflowId);
    const id = h.workflowId;
    // Each proof is bound to this approval (run and scope as shown): what is attacked here is the token inside it.
    const b: ProofBinding = await bindingOf(client.client, id, 'approve');
    const as = (idToken: string, extra: Partial<DecisionInput> = {}) => decision(client.client, people, id, 'approver', { idToken, ...extra });
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const now = Math.floor(Date.now() / 1000);
    const outsider = pick((x) => x.id !== people.id('requester')).id;

    expect(await tryApprove(id, await as(people.token('requester', b), { by: 'bob' }))).toMatch(/^self_approval/);
    expect(await tryApprove(id, await as(people.token('approver', b, {}, otherKey)))).toBe('identity: token_signature');
    expect(await tryApprove(id, await as(people.token('approver', b, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })))).toBe('identity: token_expired');
    expect(await tryApprove(id, await as(people.token('approver', b, { aud: p.sim.clientId })))).toBe('identity: token_audience');
    expect(await tryApprove(id, await as(people.token('approver', b, { iat: now - 3600 })))).toBe('identity: token_stale');
    // The requester's token with the claims edited to name an approver: the signature no longer holds.
    const [hd, body, sig] = p.sim.idToken(people.id('requester')).split('.');
    const edited = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const swapped = `${hd}.${Buffer.from(JSON.stringify({ ...edited, oid: people.id('approver') })).toString('base64url')}.${sig}`;
    expect(await tryApprove(id, await as(people.bind(swapped, b)))).toBe('identity: token_signature');
    expect(await tryApprove(id, await as(p.sim.idToken(people.id('approver'))))).toMatch(/^invalid: malformed: idToken must be a sealed token/);
    expect(await tryApprove(id, await as(people.bind(p.sim.idToken(outsider), b)))).toBe('not_an_approver');
    // The approvers group is read at approval time: removed from it, an approver is refused.
    p.sim.state.directory.removeMember(p.sim.approversGroupId, people.id('approver2'));
    try {
      expect(await tryApprove(id, await decision(client.client, people, id, 'approver2'))).toBe('not_an_approver');
    } finally {
      p.sim.state.directory.addMember(p.sim.approversGroupId, people.id('approver2'));
    }

    // The same through the plain temporal CLI: refused and recorded in the status timeline.
    const cli = inject('temporalCli');
    await run(cli, [
      'workflow',
      'signal',
      '--workflow-id',
      id,
      '--name',
      'approve',
      '--input',
      JSON.stringify(await as(people.token('requester', b), { by: 'bob' })),
      '--address',
      temporalAddress(),
    ]);
    const s = await waitForStatus(client.client, id, (x) => x.events.filter((e) => e.kind === 'ignored_approve').length >= 9);
    expect(s.status).toBe('awaiting_approval');
    expect(s.decision).toBeUndefined();
    expect(s.events.filter((e) => e.kind === 'ignored_approve').map((e) => e.note)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^self_approval/), 'identity: token_signature', 'identity: token_expired', 'identity: token_audience', 'not_an_approver']),
    );
    await unchanged(u, id, before);
  });

  it("an approval bound to another run or scope: a dry run's approval never executes the real request; early decisions are refused", async () => {
    const u = pick(directOnly);
    const dry = await start(u, { dryRun: true, approvalTimeout: '3 seconds' });
    const dryState = await waiting(dry.workflowId);
    const meantForDryRun = await decision(client.client, people, dry.workflowId, 'approver');
    expect((await dry.result()).status).toBe('expired');

    // The real request for the same user, slowed so a decision can arrive before its scope exists.
    p.sim.state.setFaults('users:slow:ms=3000:times=1');
    const real = await start(u);
    let early: string;
    try {
      await waitForStatus(client.client, real.workflowId, (s: ReclaimState) => s.status === 'checking' && s.requesterId !== '');
      early = await tryApprove(real.workflowId, { ...meantForDryRun, runId: (await real.query(reclaimStatusQuery)).runId });
    } finally {
      p.sim.state.setFaults('');
    }
    expect(early).toBe('invalid: wrong_state: checking');
    const realState = await waiting(real.workflowId);
    const before = await snapshotOf(u, real.workflowId);
    expect(realState.scopeHash).not.toBe(dryState.scopeHash); // dry run or not is part of the scope
    expect(await tryApprove(real.workflowId, meantForDryRun)).toBe('invalid: other_run');
    expect(await tryApprove(real.workflowId, { ...meantForDryRun, runId: realState.runId })).toBe('invalid: stale_scope');
    // The same through signals: ignored, with the reason.
    await client.client.workflow.getHandle(real.workflowId).signal('approve', meantForDryRun);
    const s = await waitForStatus(client.client, real.workflowId, (x) => x.events.some((e) => e.note === 'other_run'));
    expect(s.status).toBe('awaiting_approval');
    await unchanged(u, real.workflowId, before);
    expect(await reject(client.client, people, real.workflowId)).toMatchObject({ accepted: true });
    expect((await real.result()).status).toBe('rejected');
    expect(p.sim.state.assignedLicenses(u.id)).toEqual(before.licences);
  });

  it('malformed signals are ignored with the reason and never reach the audit insert', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waiting(h.workflowId);
    const before = await snapshotOf(u, h.workflowId);
    const cli = inject('temporalCli');
    const send = (input: string) => run(cli, ['workflow', 'signal', '--workflow-id', h.workflowId, '--name', 'approve', '--input', input, '--address', temporalAddress()]);
    await send('{"by":["x"],"comment":{"x":1}}');
    await send('["not", "an", "object"]');
    await send(JSON.stringify({ ...(await decision(client.client, people, h.workflowId, 'approver')), comment: 'plain text, not sealed' }));
    await send(JSON.stringify({ ...(await decision(client.client, people, h.workflowId, 'approver')), scopeHash: 'short' }));
    const s = await waitForStatus(client.client, h.workflowId, (x) => x.events.filter((e) => e.kind === 'ignored_approve').length === 4);
    expect(s.events.filter((e) => e.kind === 'ignored_approve').map((e) => e.note)).toEqual([
      'malformed: by must be a short text',
      'malformed: the payload must be a JSON object',
      'malformed: comment must be sealed (`m365-license auth seal`)',
      'malformed: scopeHash must be the 64-hex scope hash `reclaim status` shows',
    ]);
    expect(s.status).toBe('awaiting_approval');
    await unchanged(u, h.workflowId, before);
    // Still decidable by a proper approval afterwards.
    expect(await approve(client.client, people, h.workflowId, 'nestedApprover')).toMatchObject({ accepted: true });
    expect((await h.result()).status).toBe('executed');
  });

  it('re-check fails closed: with the published warehouse missing, an approved reclamation aborts and removes nothing', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waiting(h.workflowId);
    const before = p.sim.state.assignedLicenses(u.id);
    // The approval's audit row publishes the file again, so it goes away once the re-check has begun: the
    // approver check and the re-check's Graph read are held 3 s each to leave room for that.
    p.sim.state.setFaults('users:slow:ms=3000:times=2');
    try {
      expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
      await waitForStatus(client.client, h.workflowId, (x) => x.status === 'rechecking');
      renameSync(p.config.dbPath, `${p.config.dbPath}.away`);
    } finally {
      p.sim.state.setFaults('');
    }
    const s = await h.result();
    expect(s.status).toBe('aborted');
    expect(s.detail).toMatch(/^warehouse_unreadable/);
    expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);
    expect(removalsOf(p.sim, u.id)).toHaveLength(0);
  });

  it('exclusion by group means membership, transitive, asked of Graph at execution: a user put in a nested excluded group is kept', async () => {
    const u = pick(directOnly);
    const dir = p.sim.state.directory;
    const excluded = dir.addGroup('Executives (no reclamation)');
    const nested = dir.addGroup('Executives EMEA');
    dir.addMember(excluded, nested);
    await updateSettings(p.config.workDbPath, p.sim.tenantId, { excludeGroupIds: [excluded] });
    await publish(p.config.workDbPath, p.config.dbPath);
    try {
      const h = await start(u);
      await waiting(h.workflowId);
      const before = p.sim.state.assignedLicenses(u.id);
      dir.addMember(nested, u.id); // joins after the request, through a group that assigns no licence
      expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
      const s = await h.result();
      expect(s.status).toBe('aborted');
      expect(s.detail).toBe('excluded: group');
      expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);
      expect(removalsOf(p.sim, u.id)).toHaveLength(0);
    } finally {
      await updateSettings(p.config.workDbPath, p.sim.tenantId, { excludeGroupIds: [] });
      await publish(p.config.workDbPath, p.config.dbPath);
    }
  });

  it("restore after a tampered warehouse: what comes back is what the reclamation's result in Temporal says, for its user only", async () => {
    await sync(day(0));
    const u = pick(directOnly);
    const victim = pick(directOnly);
    const before = p.sim.state.assignedLicenses(u.id);
    const victimBefore = p.sim.state.assignedLicenses(victim.id);
    const h = await start(u);
    await waiting(h.workflowId);
    expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
    expect((await h.result()).status).toBe('executed');

    // An analyst with write access edits the audit trail: the removal now "was" an E5 of another user.
    const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
    await withWriter(p.config.workDbPath, (conn) =>
      conn.run(`UPDATE reclamations SET skus = ['${E5}'], user_id = '${victim.id}', disabled_plans = '{}'::JSON WHERE workflow_id = $1`, [h.workflowId]),
    );
    await publish(p.config.workDbPath, p.config.dbPath);

    const rh = await startRestore(
      client.client,
      { tenantId: p.sim.tenantId, reclaimWorkflowId: h.workflowId, requester: people.requester(`restore-${h.workflowId}`, 'approver2') },
      { taskQueue: p.taskQueue },
    );
    workflows.push(rh.workflowId);
    const rs = await waitForStatus(client.client, rh.workflowId, (x) => x.status === 'awaiting_approval');
    expect((rs as unknown as { licenses: { skuId: string }[] }).licenses.map((l) => l.skuId).sort()).toEqual(before.map((l) => l.skuId).sort());
    // Restore takes the same authenticated approval: the requester alone cannot push it through.
    expect(await approve(client.client, people, rh.workflowId, 'approver2')).toMatchObject({ accepted: false });
    expect(await approve(client.client, people, rh.workflowId, 'approver')).toMatchObject({ accepted: true });
    expect((await rh.result()).outcome).toBe('restored');
    const norm = (l: { skuId: string; disabledPlans: string[] }[]) => l.map((x) => `${x.skuId}:${x.disabledPlans.slice().sort().join('+')}`).sort();
    expect(norm(p.sim.state.assignedLicenses(u.id))).toEqual(norm(before));
    expect(p.sim.state.assignedLicenses(victim.id)).toEqual(victimBefore);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === victim.id)).toHaveLength(0);
  });

  it('no UPN, display name, token, secret, reason or comment text in any recorded history', async () => {
    expect(workflows.length).toBeGreaterThan(5);
    const names = [...users.flatMap((u) => [u.upn, u.displayName]), ...(['requester', 'approver', 'approver2', 'nestedApprover'] as const).map((x) => people.upn(x))];
    for (const id of workflows) {
      const text = await historyText(client.client, id);
      for (const n of names) expect(text, `${id} holds ${n}`).not.toContain(n);
      expect(text).not.toMatch(JWT_IN_TEXT);
      expect(text).not.toContain(p.sim.clientSecret);
      expect(text).not.toMatch(/@m365sim/i);
      expect(text).not.toContain('inactive');
      expect(text).not.toContain('still needed');
    }
  });
});
