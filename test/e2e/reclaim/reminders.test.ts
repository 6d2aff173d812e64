// Reminders, escalation and the notice period with Temporal's time-skipping test server: the workflow's own timers
// (days long) fire in seconds. Real workers and activities against the simulator, real DuckDB; the webhook goes to
// a local HTTPS receiver and the mail to the simulator's outbox. Each test gets a fresh test server: skipping moves
// the server's clock, and sign-ins are judged against the run's start by the server's clock, so a run must start
// while that clock is still the real one. The snapshot the re-check needs comes from a daily sync on the dev server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReclamation } from '../../../src/cli/reclaim/command';
import { startDailySync } from '../../../src/cli/start-daily';
import { DEFAULT_ROLES, SKUS } from '../../../src/simulator';
import { createWorkers, runWorkers } from '../../../src/worker';
import type { ReclaimInput } from '../../../src/workflows/reclaim/messages';
import { daysBefore, todayUtc } from '../../support/dates';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { directOnly, userPicker, waitForStatus, type PickedUser } from '../../support/reclaim-helpers';
import { approve, People } from '../../support/reclaim-people';
import { connectClient } from '../../support/temporal';
import { startTimeSkipping } from '../../support/time-skipping';
import { startReceiver, type Receiver } from '../../support/webhook-receiver';

const SECRET = 'reminder-webhook-secret';
const HOUR = 3_600_000;

describe('reminders, escalation and notice with time skipping (Temporal test server)', () => {
  let p: PipelineFixture;
  let receiver: Receiver;
  let people: People;
  let pick: ReturnType<typeof userPicker>;
  let escalationMember: string;

  beforeAll(async () => {
    receiver = await startReceiver(SECRET);
    const sender = 'licensing-desk';
    p = await startPipeline({
      sim: { users: 300, seed: 83, today: daysBefore(todayUtc(), 1), roles: [...DEFAULT_ROLES, 'Mail.Send'] },
      env: { M365_NOTIFY_WEBHOOK: receiver.url, M365_NOTIFY_SECRET: SECRET, M365_INBOX_URL: 'https://inbox.example', M365_MAIL_SENDER: sender },
    });
    // The sender mailbox and the escalation group are the simulated tenant's own: a user, and a group of one admin.
    const senderUpn = p.sim.state.userAt(10).userPrincipalName;
    p.config.mailSender = senderUpn;
    const group = p.sim.state.directory.addGroup('Licensing leads');
    escalationMember = p.sim.state.directory.admins[0]!;
    p.sim.state.directory.addMember(group, escalationMember);
    p.config.escalationGroupId = group;
    people = new People(p.sim, p.config);
    pick = userPicker(p.sim);
    const dev = await connectClient();
    try {
      await (await startDailySync(dev.client, { tenantId: p.sim.tenantId, snapshotDate: daysBefore(todayUtc(), 1) }, { taskQueue: p.taskQueue })).result();
    } finally {
      await dev.close();
    }
    await p.stopWorkers();
  }, 240_000);
  afterAll(async () => {
    await p?.stop();
    await receiver?.close();
  });

  /** Runs `fn` against a fresh time-skipping server with the pipeline's workers on it. */
  const skipping = async (fn: (env: TestWorkflowEnvironment) => Promise<void>): Promise<void> => {
    const server = await startTimeSkipping();
    const abort = new AbortController();
    let running: Promise<void> | undefined;
    try {
      const workers = await createWorkers({
        connection: server.env.nativeConnection,
        namespace: 'default',
        deps: { config: p.config },
        workflowBundlePath: inject('workflowBundlePath'),
        taskQueue: p.taskQueue,
      });
      running = runWorkers(workers, abort.signal);
      await fn(server.env);
    } finally {
      abort.abort();
      await running;
      await server.stop();
    }
  };
  const start = (env: TestWorkflowEnvironment, u: PickedUser, extra: Partial<ReclaimInput>) =>
    startReclamation(env.client, { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '7 days', ...extra }, { taskQueue: p.taskQueue });
  const mailOf = (id: string) => p.sim.state.userAt(p.sim.state.indexOf(id));

  it(
    'a request nobody decides reminds the approvers after 2 days, tells the escalation group a day later, and expires at 7 days',
    () =>
      skipping(async (env) => {
        const u = pick(directOnly);
        const h = await start(env, u, { reminders: { remindAfter: '2 days', escalateAfter: '1 day' } });
        const s = await h.result();
        expect(s.status).toBe('expired');
        const requested = Date.parse(s.requestedAt);
        expect(Date.parse(s.remindedAt!) - requested).toBeGreaterThanOrEqual(48 * HOUR);
        expect(Date.parse(s.remindedAt!) - requested).toBeLessThan(49 * HOUR);
        expect(Date.parse(s.escalatedAt!) - Date.parse(s.remindedAt!)).toBeGreaterThanOrEqual(24 * HOUR);
        expect(s.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['reminded', 'escalated', 'expired']));

        const kinds = receiver.received.filter((r) => JSON.parse(r.body).workflowId === h.workflowId).map((r) => r.kind);
        expect(kinds).toEqual(['reclamation.awaiting_approval', 'reclamation.reminder', 'reclamation.escalated']);
        // Mail: the reminder to every approver (nested groups included), the escalation to the escalation group only.
        const mails = p.sim.state.outbox;
        const reminder = mails.find((m) => m.subject.startsWith('Reminder'))!;
        const approvers = [1, 2, 3].map((i) => mailOf(p.sim.state.directory.admins[i]!).mail);
        expect(reminder.to.sort()).toEqual(approvers.sort());
        const escalation = mails.find((m) => m.subject.startsWith('Escalated'))!;
        expect(escalation.to).toEqual([mailOf(escalationMember).mail]);
        for (const m of [reminder, escalation]) {
          expect(m.content).toContain('https://inbox.example/');
          expect(m.content).not.toContain(u.upn);
          expect(m.content).not.toContain(u.displayName);
        }
        // The reminder and escalation timers' history replays on the current code.
        await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await h.fetchHistory(), h.workflowId);
      }),
    180_000,
  );

  it(
    'a decision before the reminder: no reminder, no escalation',
    () =>
      skipping(async (env) => {
        const u = pick(directOnly);
        const before = receiver.received.length;
        const h = await start(env, u, { reminders: { remindAfter: '2 days', escalateAfter: '1 day' }, dryRun: true });
        await waitForStatus(env.client, h.workflowId, (x) => x.status === 'awaiting_approval');
        expect(await approve(env.client, people, h.workflowId)).toMatchObject({ accepted: true });
        const s = await h.result();
        expect(s.status).toBe('dry_run');
        expect(s.remindedAt).toBeUndefined();
        expect(receiver.received.slice(before).map((r) => r.kind)).not.toContain('reclamation.reminder');
      }),
    120_000,
  );

  it(
    'with notice days the user is mailed after the approval and the licences go when the notice period ends',
    () =>
      skipping(async (env) => {
        const u = pick((x) => directOnly(x) && !p.sim.state.directory.admins.includes(x.id));
        const products = p.sim.state.assignedLicenses(u.id).map((l) => SKUS.find((k) => k.skuId === l.skuId)!.productName);
        const h = await start(env, u, { noticeDays: 5 });
        await waitForStatus(env.client, h.workflowId, (x) => x.status === 'awaiting_approval');
        expect(await approve(env.client, people, h.workflowId)).toMatchObject({ accepted: true });
        const s = await h.result();
        expect(s.status).toBe('executed');
        expect(p.sim.state.assignedLicenses(u.id)).toEqual([]);
        const mail = p.sim.state.outbox.find((m) => m.subject.startsWith('Your Microsoft 365 licences'))!;
        expect(mail.to).toEqual([mailOf(u.id).mail]);
        expect(mail.subject).toBe(`Your Microsoft 365 licences will be removed on ${s.noticeRemovalDate}`);
        for (const product of products) expect(mail.content).toContain(product);
        expect(mail.content).toContain(u.upn);
        expect(mail.content).toMatch(/href="https:\/\/inbox\.example\/respond\/m365notice\.v1\./);
        const approvedAt = Date.parse(s.events.find((e) => e.kind === 'approved')!.at);
        const executedAt = Date.parse(s.events.find((e) => e.kind === 'executed')!.at);
        expect(executedAt - approvedAt).toBeGreaterThanOrEqual(5 * 24 * HOUR);
      }),
    180_000,
  );
});
