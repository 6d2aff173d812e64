// The user's "I still need it" answer in a real browser, through `serve`'s own /respond/ mount: an approver approves
// a reclamation with a notice period in Chromium, the simulator's outbox holds the mail to the person, the person
// opens its link in Chromium and answers; the removal is paused (licences kept, the request back with the
// approvers) and the approver's page says so; the link works once, a second click is refused with a clear page.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReclamation } from '../../src/cli/reclaim/command';
import { startInbox, userResponseMounts } from '../../src/cli/serve';
import { startDailySync } from '../../src/cli/start-daily';
import { silentLogger } from '../../src/logger';
import { DEFAULT_ROLES } from '../../src/simulator';
import type { RunningWebServer } from '../../src/web/server';
import { launchChromium, newPage, signIn, type BrowserWorld } from '../support/browser';
import { daysBefore, todayUtc } from '../support/dates';
import { historyText } from '../support/history';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { directOnly, removalsOf, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';
import { People } from '../support/reclaim-people';
import { connectClient } from '../support/temporal';

const SNAPSHOT = daysBefore(todayUtc(), 1);
/** The simulated user whose mailbox the notice is sent from (not the subject of the request). */
const SENDER_INDEX = 10;

let p: PipelineFixture;
let client: Awaited<ReturnType<typeof connectClient>>;
let world: BrowserWorld;
let web: RunningWebServer;

beforeAll(async () => {
  p = await startPipeline({ sim: { users: 300, seed: 61, today: SNAPSHOT, roles: [...DEFAULT_ROLES, 'Mail.Send'] } });
  client = await connectClient();
  const people = new People(p.sim, p.config);
  await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: SNAPSHOT }, { taskQueue: p.taskQueue })).result();
  // `serve` as the command starts it: the inbox with the answer page mounted from the workers' notice key.
  const cfg = { ...p.config, taskQueue: p.taskQueue };
  web = await startInbox(cfg, client.client, { host: '127.0.0.1', port: 0 }, { logger: silentLogger, mounts: userResponseMounts(cfg, client.client, silentLogger) });
  // The worker shares this config: its mail now goes from a real mailbox and links to this inbox.
  p.config.mailSender = p.sim.state.userAt(SENDER_INDEX).userPrincipalName;
  p.config.inboxUrl = web.url;
  world = { p, people, web, browser: await launchChromium(p), consoleErrors: [] };
}, 180_000);

afterAll(async () => {
  await world?.browser.close();
  await web?.close();
  await client?.close();
  await p?.stop();
});

const linkIn = (content: string): string => /href="([^"]+)"/.exec(content)![1]!.replace(/&amp;/g, '&');

/** The person's own browser (no inbox sign-in) on the mail's link, showing the question. */
async function openLink(link: string): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await newPage(world);
  await opened.page.goto(link);
  expect(await opened.page.locator('h1').textContent()).toBe('Do you still need these licences?');
  return opened;
}

describe('"I still need it" in Chromium through serve', () => {
  it("the answer pauses the removal and shows on the approver's page; a second click is refused", async () => {
    const u: PickedUser = userPicker(p.sim)((x) => directOnly(x) && !p.sim.state.directory.admins.includes(x.id) && x.index !== SENDER_INDEX);
    const before = p.sim.state.assignedLicenses(u.id);
    expect(before.length).toBeGreaterThan(0);
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: world.people.requesterFor(u.id), approvalTimeout: '30 minutes', noticeDays: 3 },
      { taskQueue: p.taskQueue },
    );
    await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval' && s.requesterId !== '');

    // The approver approves in the browser: with a notice period, the person is told first.
    const approver = await signIn(world, 'approver');
    const contexts: BrowserContext[] = [approver.context];
    try {
      await approver.page.goto(`${web.url}/requests/${h.workflowId}`);
      await approver.page.getByRole('button', { name: 'Approve removal' }).click();
      await approver.page.waitForURL(`${web.url}/requests/${h.workflowId}`);
      const told = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'notice_given');
      await approver.page.reload();
      expect(await approver.page.locator('[data-field="notice"]').textContent()).toContain(told.noticeRemovalDate!);
      expect(await approver.page.locator('[data-field="user-answer"]').count()).toBe(0);

      // The mail in the simulator's outbox, to the person, with the link to serve's answer page.
      const mail = p.sim.state.outbox.find((m) => m.to.includes(p.sim.state.userAt(u.index).mail!))!;
      expect(mail).toBeDefined();
      expect(mail.from).toBe(p.config.mailSender);
      const link = linkIn(mail.content);
      expect(link.startsWith(`${web.url}/respond/`)).toBe(true);
      expect(link).not.toContain(u.id);

      // Opened twice (two tabs, a double click, a forwarded mail): the first answer counts, the second is refused.
      const first = await openLink(link);
      const second = await openLink(link);
      contexts.push(first.context, second.context);
      await first.page.getByRole('button', { name: /I still need/ }).click();
      await first.page.waitForLoadState();
      expect(await first.page.locator('h1').textContent()).toBe('Thank you');

      const paused = await waitForStatus(client.client, h.workflowId, (s) => s.status === 'awaiting_approval' && Boolean(s.userObjectedAt));
      expect(paused.decision).toBeUndefined();
      expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);
      expect(removalsOf(p.sim, u.id)).toHaveLength(0);

      await second.page.getByRole('button', { name: /I still need/ }).click();
      await second.page.waitForLoadState();
      expect(await second.page.locator('h1').textContent()).toBe('Link not accepted');
      expect(await second.page.locator('body').textContent()).toContain('already been used');
      await first.page.goto(link);
      expect(await first.page.locator('h1').textContent()).toBe('Link not accepted');
      expect(await first.page.locator('button').count()).toBe(0);

      // The approver's page: the person's answer, the removal paused, and the decision offered again.
      await approver.page.reload();
      expect(await approver.page.locator('[data-field="status"]').textContent()).toBe('awaiting approval');
      const answer = await approver.page.locator('[data-field="user-answer"]').textContent();
      expect(answer).toContain('I still need it');
      expect(answer).toContain('paused until an approver decides again');
      expect(await approver.page.getByRole('button', { name: 'Approve removal' }).count()).toBe(1);
      expect(p.sim.state.assignedLicenses(u.id)).toEqual(before);

      // Workflow history holds ids, flags and dates: never the person's name, UPN or address.
      const text = await historyText(client.client, h.workflowId);
      for (const personal of [u.upn, u.displayName, p.sim.state.userAt(u.index).mail!]) expect(text).not.toContain(personal);
      // The refused link answers 409 and 410, which the browser reports; nothing else may go wrong.
      expect(world.consoleErrors.filter((e) => !/status of 4(09|10)/.test(e))).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
      await client.client.workflow
        .getHandle(h.workflowId)
        .terminate('test done')
        .catch(() => undefined);
    }
  }, 180_000);
});
