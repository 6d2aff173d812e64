// reclaimLicenses end to end: real Temporal server, real simulator, real DuckDB (audit rows read from the
// published file, read-only). The approval timeout is an input, so expiry takes seconds.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDailySync } from '../../../src/cli/start-daily';
import { startReclamation, startRestore } from '../../../src/cli/reclaim/command';
import { submitDecision } from '../../../src/cli/reclaim/decide';
import { loadStagingDir, openReadOnly, publish } from '../../../src/warehouse';
import { restoreStatusQuery, type ReclaimInput } from '../../../src/workflows/reclaim/messages';
import { approve, decision, People, reject, signalApprove, signalReject, JWT_IN_TEXT } from '../../support/reclaim-people';
import { historyText } from '../../support/history';
import { simulatedDate, simulatedDay, type SimulatedTenant } from '../../support/simulated-days';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient, temporalAddress } from '../../support/temporal';
import { daysBefore, todayUtc } from '../../support/dates';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus, type PickedUser } from '../../support/reclaim-helpers';

const run = promisify(execFile);
// Six days ago: fresh for the re-check (freshness 7 days), and the later days the re-check test loads (up to day 7,
// tomorrow) are never in the future, which the pipeline refuses.
const SNAPSHOT = daysBefore(todayUtc(), 6);
// The tenant moves through days (the re-check test loads a later one); more long-inactive people return than by
// default, so a small tenant has one among its candidates within a few days. Day 0 ignores churn.
const TENANT: SimulatedTenant = { users: 1000, seed: 71, today: SNAPSHOT, churn: { returnsPerDay: 0.05 } };

describe('reclaimLicenses (real Temporal, simulator, DuckDB)', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let pick: ReturnType<typeof userPicker>;
  let people: People;

  beforeAll(async () => {
    p = await startPipeline({ sim: { ...TENANT } });
    client = await connectClient();
    pick = userPicker(p.sim);
    people = new People(p.sim, p.config);
    // A snapshot first: the request and the re-check read activity and exclusions from the published warehouse.
    const h = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: SNAPSHOT }, { taskQueue: p.taskQueue });
    await h.result();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  const start = (u: PickedUser, extra: Partial<ReclaimInput> = {}) =>
    startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), reason: people.seal('inactive 90 days'), approvalTimeout: '10 minutes', ...extra },
      { taskQueue: p.taskQueue },
    );
  const held = (u: PickedUser) => p.sim.state.assignedLicenses(u.id);

  it('approve: the direct licences are gone in the simulator, audit rows published; history holds no secret, token or name', async () => {
    const u = pick((x) => directOnly(x) && x.assignments.some((a) => a.disabledPlans.length > 0));
    const before = held(u);
    const h = await start(u);
    const waiting = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    expect(waiting.scope.sort()).toEqual(before.map((l) => l.skuId).sort());
    expect(Object.keys(waiting.disabledPlans).sort()).toEqual(waiting.scope.slice().sort());
    expect(await approve(client.client, people, h.workflowId, 'approver', { comment: people.seal('ok, checked with the manager') })).toMatchObject({ accepted: true });
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(held(u)).toEqual([]);
    expect(removalsOf(p.sim, u.id)).toHaveLength(1);

    const rows = await auditRows(p.config.dbPath, h.workflowId);
    expect(rows.map((r) => r.event)).toEqual(expect.arrayContaining(['requested', 'approved', 'executed']));
    const executed = rows.find((r) => r.event === 'executed')!;
    expect(executed.actor).toBe(people.id('approver'));
    expect(executed.skus!.sort()).toEqual(before.map((l) => l.skuId).sort());
    expect(JSON.parse(executed.plans!)).toEqual(Object.fromEntries(before.map((l) => [l.skuId, l.disabledPlans])));
    const requested = rows.find((r) => r.event === 'requested')!;
    // Object ids from the verified sign-ins; the UPNs and the free text only in the audit table.
    expect(requested).toMatchObject({ actor: people.id('requester'), actor_upn: people.upn('requester'), reason: 'inactive 90 days', identity: 'verified', run_id: s.runId });
    expect(rows.find((r) => r.event === 'approved')).toMatchObject({ actor: people.id('approver'), actor_upn: people.upn('approver'), reason: 'ok, checked with the manager' });
    expect(rows.every((r) => r.identity === 'verified')).toBe(true);

    const text = await historyText(client.client, h.workflowId);
    expect(text).not.toContain(p.sim.clientSecret);
    expect(text).not.toMatch(JWT_IN_TEXT);
    expect(text).not.toContain(u.upn);
    expect(text).not.toContain(u.displayName);
    expect(text).not.toMatch(/@m365sim/i);
    expect(text).not.toContain('inactive 90 days');
    expect(text).not.toContain('checked with the manager');

    // The recorded history replays on the current code (determinism guard).
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await h.fetchHistory(), h.workflowId);

    // Restore: asked by one person, approved by another; the same SKUs come back with the same disabled plans.
    const rh = await startRestore(
      client.client,
      { tenantId: p.sim.tenantId, reclaimWorkflowId: h.workflowId, requester: people.requester(`restore-${h.workflowId}`, 'approver2') },
      { taskQueue: p.taskQueue },
    );
    const rs = await waitForStatus(client.client, rh.workflowId, (x) => x.status === 'awaiting_approval');
    expect(await rh.query(restoreStatusQuery)).toMatchObject({ sourceRunId: s.runId, userId: u.id });
    expect(rs.scopeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await approve(client.client, people, rh.workflowId, 'approver2')).toMatchObject({ accepted: false, reason: expect.stringMatching(/^self_approval/) });
    expect(await approve(client.client, people, rh.workflowId, 'nestedApprover')).toMatchObject({ accepted: true });
    const r = await rh.result();
    expect(r.outcome).toBe('restored');
    const norm = (l: { skuId: string; disabledPlans: string[] }[]) =>
      l.map((x) => ({ skuId: x.skuId, disabledPlans: x.disabledPlans.slice().sort() })).sort((a, b) => a.skuId.localeCompare(b.skuId));
    expect(norm(held(u))).toEqual(norm(before));
    const after = await auditRows(p.config.dbPath, h.workflowId);
    expect(after.find((x) => x.event === 'restore_requested')?.actor).toBe(people.id('approver2'));
    expect(after.find((x) => x.event === 'restored')?.actor).toBe(people.id('nestedApprover'));
  });

  it('reject: nothing is removed; a later approve changes nothing but is recorded', async () => {
    const u = pick(directOnly);
    const before = held(u);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    const id = h.workflowId;
    const late = await decision(client.client, people, id, 'approver2');
    expect(await reject(client.client, people, id)).toMatchObject({ accepted: true });
    await client.client.workflow
      .getHandle(id)
      .signal('approve', late)
      .catch(() => undefined);
    const s = await h.result();
    expect(s.status).toBe('rejected');
    expect((await auditRows(p.config.dbPath, id)).find((r) => r.event === 'rejected')?.reason).toBe('still needed');
    expect(held(u)).toEqual(before);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(0);
    expect((await auditRows(p.config.dbPath, h.workflowId)).map((r) => r.event)).toContain('rejected');
  });

  it('a short approval timeout ends expired with nothing removed', async () => {
    const u = pick(directOnly);
    const before = held(u);
    const h = await start(u, { approvalTimeout: '2 seconds' });
    const s = await h.result();
    expect(s.status).toBe('expired');
    expect(held(u)).toEqual(before);
    expect((await auditRows(p.config.dbPath, h.workflowId)).map((r) => r.event)).toContain('expired');
  });

  it('approval sent with the plain temporal CLI binary; the requester cannot approve their own request', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    const cli = inject('temporalCli');
    // What docs/reclamation.md tells an approver to run: a sealed sign-in plus the run and scope `reclaim status` shows.
    const signal = async (who: 'requester' | 'approver2') =>
      run(cli, [
        'workflow',
        'signal',
        '--workflow-id',
        h.workflowId,
        '--name',
        'approve',
        '--input',
        JSON.stringify(await decision(client.client, people, h.workflowId, who)),
        '--address',
        temporalAddress(),
      ]);
    await signal('requester');
    const refused = await waitForStatus(client.client, h.workflowId, (s) => s.events.some((e) => e.kind === 'ignored_approve'));
    expect(refused.status).toBe('awaiting_approval');
    expect(refused.events.find((e) => e.kind === 'ignored_approve')).toMatchObject({ by: people.id('requester'), note: expect.stringMatching(/^self_approval/) });
    await signal('approver2');
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(s.decision?.by).toBe(people.id('approver2'));
    expect(held(u)).toEqual([]);
  });

  it('a duplicate approve makes exactly one assignLicense call, and is recorded', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    // Both approvals must reach the workflow while it is open: a signal to a closed execution is refused by
    // Temporal (the after-the-end case is the next test). Graph answers assignLicense 429 until released, so
    // the reclamation cannot end (the throttled calls never reach the handler, so they are not in the log).
    p.sim.state.setFaults('assignLicense:429:retry=0.5');
    try {
      await Promise.all([signalApprove(client.client, people, h.workflowId), signalApprove(client.client, people, h.workflowId)]);
      const open = await waitForStatus(client.client, h.workflowId, (s) => s.events.some((e) => e.kind === 'ignored_approve'));
      // Still open (the approved audit row, the re-check or the held removal), the first approval taken.
      expect(['awaiting_approval', 'rechecking', 'removing']).toContain(open.status);
      expect(open.decision).toMatchObject({ kind: 'approve', by: people.id('approver') });
      expect(open.events.find((e) => e.kind === 'ignored_approve')).toMatchObject({ note: 'already_decided' });
    } finally {
      p.sim.state.setFaults('');
    }
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(1);
    expect(s.events.filter((e) => e.kind === 'ignored_approve')).toHaveLength(1);
  });

  it('an approval after the reclamation ended is refused with its outcome, whenever it ends; nothing is removed twice', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    const id = h.workflowId;
    // The second approver reads `awaiting_approval`, and the first one's decision runs to its end before the
    // second's update is sent: what `reclaim approve` meets when two approvers act at once.
    const second = await submitDecision(client.client, id, 'approve', async () => {
      const mine = await decision(client.client, people, id, 'approver2');
      expect(await approve(client.client, people, id, 'approver')).toMatchObject({ accepted: true });
      expect((await h.result()).status).toBe('executed');
      return mine;
    });
    const finished = new RegExp(`^already_finished: executed \\(approved by ${people.id('approver')} at [^)]+\\); nothing changes`);
    expect(second).toMatchObject({ accepted: false, reason: expect.stringMatching(finished) });
    // Sent after the end: the same answer, read from the result, without building a proof.
    let built = false;
    const later = await submitDecision(client.client, id, 'approve', async () => {
      built = true;
      return decision(client.client, people, id, 'approver2');
    });
    expect(later).toMatchObject({ accepted: false, reason: expect.stringMatching(finished) });
    expect(built).toBe(false);
    // The plain signal: Temporal itself refuses it, and the outcome stays.
    await expect(signalApprove(client.client, people, id, 'approver2')).rejects.toThrow(/already completed/);
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(s.decision?.by).toBe(people.id('approver'));
    expect(held(u)).toEqual([]);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(1);
    expect((await auditRows(p.config.dbPath, id)).filter((r) => r.event === 'executed')).toHaveLength(1);
  });

  it('group-inherited licences are never forced: needs_group_change naming the groups', async () => {
    const u = pick((x) => x.assignments.some((a) => a.assignedByGroup !== null));
    const before = held(u);
    const groups = [...new Set(u.assignments.filter((a) => a.assignedByGroup).map((a) => a.assignedByGroup!))];
    const h = await start(u);
    const hasDirect = u.assignments.some((a) => a.assignedByGroup === null);
    if (hasDirect) {
      await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
      await signalApprove(client.client, people, h.workflowId);
    }
    const s = await h.result();
    expect(s.status).toBe('needs_group_change');
    expect(s.groupInherited.flatMap((g) => g.groupIds).sort()).toEqual(groups.sort());
    for (const g of s.groupInherited) expect(held(u).some((l) => l.skuId === g.skuId)).toBe(true);
    if (!hasDirect) expect(held(u)).toEqual(before);
    const rows = await auditRows(p.config.dbPath, h.workflowId);
    expect(rows.some((r) => r.outcome === 'needs_group_change' && groups.every((g) => r.detail?.includes(g)))).toBe(true);
    // No assignLicense ever tried to remove a group-inherited SKU.
    const inheritedSkus = s.groupInherited.map((g) => g.skuId);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id && e.removeLicenses.some((r) => inheritedSkus.includes(r)))).toHaveLength(0);
  });

  it('a 429 storm during removal: the removal still succeeds, once', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    p.sim.state.setFaults('assignLicense:429@0.6:retry=0.2');
    try {
      await signalApprove(client.client, people, h.workflowId);
      const s = await h.result();
      expect(s.status).toBe('executed');
    } finally {
      p.sim.state.setFaults('');
    }
    expect(held(u)).toEqual([]);
    expect(removalsOf(p.sim, u.id)).toHaveLength(1);
  });

  it('dry run: approval and checks, the would-be removal recorded, no assignLicense', async () => {
    const u = pick(directOnly);
    const before = held(u);
    const h = await start(u, { dryRun: true });
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    await signalApprove(client.client, people, h.workflowId);
    const s = await h.result();
    expect(s.status).toBe('dry_run');
    expect(s.removed.sort()).toEqual(before.map((l) => l.skuId).sort());
    expect(held(u)).toEqual(before);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u.id)).toHaveLength(0);
    const executed = (await auditRows(p.config.dbPath, h.workflowId)).find((r) => r.event === 'executed');
    expect(executed?.outcome).toBe('dry_run');
  });

  it('the user became active after the request (a newer snapshot shows it): aborted, nothing removed', async () => {
    // A candidate from the published warehouse (day 0), with its last activity as the request saw it.
    const db = await openReadOnly(p.config.dbPath);
    let ids: Set<string>;
    try {
      ids = new Set((await db.query(`SELECT user_id FROM inactive_licensed_users WHERE tenant_id = $1 AND has_direct`, [p.sim.tenantId])).rows.map((r) => r.user_id as string));
    } finally {
      db.close();
    }
    // A later day of the same simulated tenant, staged through the real extract path, on which one of these
    // candidates is back: its report shows activity after day 0's refresh date (reports lag two days, so day 3
    // is the first to show a return).
    const refresh0 = simulatedDate(TENANT, -2);
    const newestActivity = (r: Record<string, string>): string =>
      Object.entries(r)
        .filter(([k, v]) => k.endsWith('Last Activity Date') && v)
        .map(([, v]) => v)
        .sort()
        .pop() ?? '';
    let later: Awaited<ReturnType<typeof simulatedDay>> | undefined;
    let back = new Map<string, string>();
    let u: PickedUser | undefined;
    for (let day = 3; day <= 7 && !u; day++) {
      later = await simulatedDay(TENANT, day);
      const rows = parse(readFileSync(path.join(later.dir, 'reports', 'getOffice365ActiveUserDetail.csv')), { bom: true, columns: true }) as Record<string, string>[];
      back = new Map(rows.filter((r) => newestActivity(r) > refresh0).map((r) => [r['User Principal Name']!.toLowerCase(), newestActivity(r)]));
      try {
        u = pick((x) => directOnly(x) && ids.has(x.id) && back.has(x.upn.toLowerCase()));
      } catch {
        // No candidate back yet: the next day.
      }
    }
    expect(u, 'a candidate who is back within a few days').toBeDefined();
    const before = held(u!);
    const h = await start(u!);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');

    // That day's snapshot, loaded through the real import path (loadStagingDir + publish), as `m365-license import` does.
    await loadStagingDir({ historyDays: 0, workDbPath: p.config.workDbPath, stagingDir: later!.dir });
    await publish(p.config.workDbPath, p.config.dbPath);

    await signalApprove(client.client, people, h.workflowId);
    const s = await h.result();
    expect(s.status).toBe('aborted');
    expect(s.detail).toMatch(/^user_active/);
    // The activity the re-check saw is that day's report's.
    expect(s.detail).toContain(`activity on ${back.get(u!.upn.toLowerCase())}`);
    expect(held(u!)).toEqual(before);
    expect(p.sim.state.assignLicenseLog.filter((e) => e.userId === u!.id)).toHaveLength(0);
    expect((await auditRows(p.config.dbPath, h.workflowId)).find((r) => r.event === 'aborted')?.detail).toMatch(/user_active/);
  });

  it('cancelled while awaiting approval: the failed audit row is still written (non-cancellable cleanup), nothing removed', async () => {
    const u = pick(directOnly);
    const before = held(u);
    const h = await start(u);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    await h.cancel();
    await expect(h.result()).rejects.toThrow();
    expect((await h.describe()).status.name).toBe('CANCELLED');
    const failed = (await auditRows(p.config.dbPath, h.workflowId)).find((r) => r.event === 'failed');
    expect(failed).toMatchObject({ outcome: 'failed' });
    expect(held(u)).toEqual(before);
  });

  it('a duplicate request while one is open is refused', async () => {
    const u = pick(directOnly);
    const h = await start(u);
    await expect(start(u)).rejects.toThrow(/already open/);
    // Decisions count only once the scope exists (awaiting_approval).
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    await signalReject(client.client, people, h.workflowId);
    expect((await h.result()).status).toBe('rejected');
  });

  it('without LicenseAssignment.ReadWrite.All the workflow fails before waiting for approval, naming it', async () => {
    const u = pick(directOnly);
    p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All']);
    try {
      const h = await start(u);
      await expect(h.result()).rejects.toThrow();
      const d = await h.describe();
      expect(d.status.name).toBe('FAILED');
      const text = await historyText(client.client, h.workflowId);
      expect(text).toContain('LicenseAssignment.ReadWrite.All');
      expect(text).not.toContain('awaiting_approval');
    } finally {
      p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    }
  });
});
