// The user told before the removal, end to end on the real dev server: the approval sends a mail (simulator
// outbox) with a sealed single-use link; the "I still need it" page (its own small HTTP server here, as `serve`
// mounts it) delivers the answer as a signal, an activity verifies it, and the removal waits for approvers again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReclamation } from '../../../src/cli/reclaim/command';
import { startDailySync } from '../../../src/cli/start-daily';
import { ensureApprovalKey } from '../../../src/identity/approval-key';
import { noticeKeyFrom, sealNoticeToken } from '../../../src/identity/notice-token';
import { DEFAULT_ROLES } from '../../../src/simulator';
import { createUserResponseHandler, fileResponseStore, temporalDelivery } from '../../../src/web/user-response';
import { userResponseSignal } from '../../../src/workflows/reclaim/user-notice';
import { daysBefore, todayUtc } from '../../support/dates';
import { historyText } from '../../support/history';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus, type PickedUser } from '../../support/reclaim-helpers';
import { approve, bindingOf, People } from '../../support/reclaim-people';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGraphFactory } from '../../../src/activities/graph-context';
import { createUserNoticeActivities } from '../../../src/activities/reclaim/user-notice';
import { createAuthoriser } from '../../../src/identity/authorisation';
import { connectClient } from '../../support/temporal';

const SNAPSHOT = daysBefore(todayUtc(), 1);

describe('notice to the user and "I still need it" (real Temporal, simulator, DuckDB)', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  let pick: ReturnType<typeof userPicker>;
  let page: Server;
  let base: string;

  beforeAll(async () => {
    // The answer page first: its address is the base URL the mail links to.
    page = createServer();
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', () => r()));
    base = `http://localhost:${(page.address() as AddressInfo).port}`;
    p = await startPipeline({ sim: { users: 300, seed: 157, today: SNAPSHOT, roles: [...DEFAULT_ROLES, 'Mail.Send'] }, env: { M365_INBOX_URL: base } });
    p.config.mailSender = p.sim.state.userAt(10).userPrincipalName;
    client = await connectClient();
    people = new People(p.sim, p.config);
    pick = userPicker(p.sim);
    const handler = createUserResponseHandler({
      noticeKey: noticeKeyFrom(ensureApprovalKey(p.config)),
      store: fileResponseStore(mkdtempSync(path.join(os.tmpdir(), 'm365-answers-'))),
      deliver: temporalDelivery(client.client),
    });
    page.on('request', handler);
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: SNAPSHOT }, { taskQueue: p.taskQueue })).result();
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
    await new Promise<void>((r) => (page ? page.close(() => r()) : r()));
  });

  const start = (u: PickedUser, noticeDays: number) =>
    startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '10 minutes', noticeDays },
      { taskQueue: p.taskQueue },
    );
  const notUsed = (x: PickedUser) => directOnly(x) && !p.sim.state.directory.admins.includes(x.id) && x.index !== 10;
  const linkIn = (content: string): string => /href="([^"]+)"/.exec(content)![1]!.replace(/&amp;/g, '&');

  it('the approval mails the user; "I still need it" pauses the removal until an approver approves again; the link works once', async () => {
    const u = pick(notUsed);
    const before = p.sim.state.assignedLicenses(u.id);
    const h = await start(u, 3);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
    const told = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'notice_given');
    expect(told.noticeRemovalDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const mail = p.sim.state.outbox.find((m) => m.to.includes(p.sim.state.userAt(u.index).mail!))!;
    expect(mail.from).toBe(p.config.mailSender);
    expect(mail.content).toContain(u.displayName);
    expect(mail.content).toContain(told.noticeRemovalDate!);
    const link = linkIn(mail.content);
    expect(link.startsWith(`${base}/respond/m365notice.v1.`)).toBe(true);
    // Nothing personal in the link itself.
    expect(link).not.toContain(u.id);
    expect(link).not.toContain(u.upn);

    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await shown.text();
    expect(html).toContain('<form method="post">');
    expect(html).not.toMatch(/<script/i);

    const answered = await fetch(link, { method: 'POST', body: 'answer=still_needed', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(answered.status).toBe(200);
    const back = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval' && Boolean(s.userObjectedAt));
    expect(back.decision).toBeUndefined();
    expect(back.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['notice_sent', 'user_objected']));
    expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);
    expect(removalsOf(p.sim, u.id)).toHaveLength(0);

    // A second click, or a replayed form, is refused by the page and reaches nobody.
    expect((await fetch(link, { method: 'POST', body: '' })).status).toBe(409);
    expect((await fetch(link)).status).toBe(410);

    // An approver decides again (another one): removed now, without a second notice.
    expect(await approve(client.client, people, h.workflowId, 'approver2')).toMatchObject({ accepted: true });
    const s = await h.result();
    expect(s.status).toBe('executed');
    expect(p.sim.state.assignedLicenses(u.id)).toEqual([]);
    expect(p.sim.state.outbox.filter((m) => m.to.includes(p.sim.state.userAt(u.index).mail!))).toHaveLength(1);
    const rows = await auditRows(p.config.dbPath, h.workflowId);
    expect(rows.filter((r) => r.event === 'approved').map((r) => r.actor)).toEqual([people.id('approver'), people.id('approver2')]);

    // History: ids, dates and the sealed token only; never the user's name, UPN or address.
    const text = await historyText(client.client, h.workflowId);
    expect(text).not.toContain(u.upn);
    expect(text).not.toContain(u.displayName);
    expect(text).not.toContain(p.sim.state.userAt(u.index).mail!);
    // The patched path's history (notice, answer, second approval) replays on the current code.
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await h.fetchHistory(), h.workflowId);
  }, 120_000);

  it('a bare signal is not an answer: a token not sealed by the workers, or for another run, is ignored', async () => {
    const u = pick(notUsed);
    const h = await start(u, 3);
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    expect(await approve(client.client, people, h.workflowId)).toMatchObject({ accepted: true });
    const told = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'notice_given');
    const claims = {
      tenantId: p.sim.tenantId,
      workflowId: h.workflowId,
      runId: told.runId,
      skus: told.scope,
      products: [],
      removalDate: told.noticeRemovalDate!,
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    const attackerKey = noticeKeyFrom(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const workersKey = noticeKeyFrom(ensureApprovalKey(p.config));
    const handle = client.client.workflow.getHandle(h.workflowId);
    await handle.signal(userResponseSignal, { token: sealNoticeToken(claims, attackerKey).token });
    await handle.signal(userResponseSignal, { token: sealNoticeToken({ ...claims, runId: 'another-run' }, workersKey).token });
    await handle.signal(userResponseSignal, { token: 'not a token' });
    const s = await waitForStatus(client.client, h.workflowId, (x) => x.events.filter((e) => e.kind === 'ignored_user_response').length === 3);
    expect(s.status).toBe('notice_given');
    expect(s.userObjectedAt).toBeUndefined();
    const notes = s.events.filter((e) => e.kind === 'ignored_user_response').map((e) => e.note!);
    expect(notes.sort()).toEqual(['link_for_another_reclamation', 'link_invalid', 'malformed: token must be the link from the notice mail']);
    expect(removalsOf(p.sim, u.id)).toHaveLength(0);
    await handle.terminate('test done');
  }, 120_000);

  it('the mail activity verifies the approval itself: a non-approver or the requester approving sends nothing', async () => {
    const u = pick(notUsed);
    const h = await start(u, 3);
    const waiting = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval');
    const key = ensureApprovalKey(p.config);
    const graphFor = createGraphFactory(p.config);
    const activities = createUserNoticeActivities({
      config: p.config,
      graphFor,
      dbPath: p.config.dbPath,
      approvalKey: () => key,
      authoriser: createAuthoriser({ config: p.config, approvalKey: () => key, graphFor }),
    });
    // The activity runs as a task of this very run (as a rogue poller answering the workflow's task would see it).
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: h.workflowId, runId: waiting.runId }, workflowType: 'reclaimLicenses' }, { client: client.client });
    const binding = await bindingOf(client.client, h.workflowId, 'approve');
    const outsider = p.sim.state.userAt(20).id;
    const notice = (approval: { idToken: string }) =>
      env.run(activities.sendRemovalNotice, {
        tenantId: p.sim.tenantId,
        userId: u.id,
        skus: waiting.scope,
        approvedScope: waiting.scope,
        requester: people.requesterFor(u.id),
        approval,
        noticeDays: 3,
      });
    const mails = () => p.sim.state.outbox.filter((m) => m.to.includes(p.sim.state.userAt(u.index).mail!)).length;

    expect(await notice({ idToken: people.bind(p.sim.idToken(outsider), binding) })).toEqual({ outcome: 'refused', problem: 'not_an_approver' });
    expect(await notice({ idToken: people.token('requester', binding) })).toEqual({ outcome: 'refused', problem: 'self_approval' });
    expect(await notice({ idToken: people.token('approver', { ...binding, scopeHash: '0'.repeat(64) }) })).toEqual({
      outcome: 'refused',
      problem: 'decision_proof_bound_elsewhere',
    });
    expect(mails()).toBe(0);
    expect(await notice({ idToken: people.token('approver', binding) })).toMatchObject({ outcome: 'sent' });
    expect(mails()).toBe(1);
    // The approvers' mail needs a real request: a forged requester sign-in sends nothing.
    const reminder = { tenantId: p.sim.tenantId, kind: 'reminder' as const, waitingSince: waiting.requestedAt, skuCount: 1 };
    expect(
      await env.run(activities.mailApprovers, { ...reminder, requester: { idToken: people.token('approver', { purpose: 'request', workflowId: 'reclaim-elsewhere' }) } }),
    ).toEqual({ refused: 'requester_proof_bound_elsewhere' });
    expect(await env.run(activities.mailApprovers, { ...reminder, requester: people.requesterFor(u.id) })).toEqual({ sent: 3 });
    await client.client.workflow.getHandle(h.workflowId).terminate('test done');
  }, 120_000);
});
