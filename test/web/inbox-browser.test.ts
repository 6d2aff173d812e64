// The approver's web inbox in a real browser: headless Chromium from the OS packages (playwright-core), a real
// Temporal server and worker, the simulator's sign-in page (authorization code flow with PKCE) and the published
// warehouse. An approver signs in, sees the request in names, products and money, approves, and the licences are
// gone; a requester cannot approve their own request; a post without a form token and a replayed form are refused.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDailySync } from '../../src/cli/start-daily';
import { startReclamation } from '../../src/cli/reclaim/command';
import { startInbox } from '../../src/cli/serve';
import { silentLogger } from '../../src/logger';
import { reclaimWorkflowId } from '../../src/shared/names';
import { openReadOnly } from '../../src/warehouse';
import type { RunningWebServer } from '../../src/web/server';
import { historyText, JWT_IN_TEXT } from '../support/history';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { auditRows, directOnly, removalsOf, userPicker, waitForStatus, type PickedUser } from '../support/reclaim-helpers';
import { People, type Person } from '../support/reclaim-people';
import { connectClient } from '../support/temporal';
import { todayUtc } from '../support/dates';
import { launchChromium, signIn as signInAs } from '../support/browser';

const IMAGES = path.resolve(import.meta.dirname, '../../docs/images');
/** `UPDATE_SCREENSHOTS=1` writes the documentation's screenshots (docs/web-inbox.md) from this run. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let p: PipelineFixture;
let client: Awaited<ReturnType<typeof connectClient>>;
let people: People;
let web: RunningWebServer;
let browser: Browser;
let approved: PickedUser;
let own: PickedUser;
/** More requests, only for the screenshots' sake (a fuller inbox). */
const extra: PickedUser[] = [];
const consoleErrors: string[] = [];

/** Candidates of the published warehouse with direct licences (those with some activity first): whom requests are about. */
async function candidates(): Promise<string[]> {
  const db = await openReadOnly(p.config.dbPath);
  try {
    const r = await db.query('SELECT user_id FROM inactive_licensed_users WHERE tenant_id = $1 AND has_direct ORDER BY last_activity_date IS NULL, user_id', [p.sim.tenantId]);
    return r.rows.map((row) => String(row.user_id));
  } finally {
    db.close();
  }
}

async function request(u: PickedUser, who: Person): Promise<string> {
  await startReclamation(
    client.client,
    { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id, who), reason: people.seal('inactive since spring'), approvalTimeout: '30 minutes' },
    { taskQueue: p.taskQueue },
  );
  const id = reclaimWorkflowId(p.sim.tenantId, u.id);
  await waitForStatus(client.client, id, (s) => s.status === 'awaiting_approval' && s.requesterId !== '');
  return id;
}

/** A browser context signed in as `who` through the simulator's authorize page (test/support/browser.ts). */
const signIn = (who: Person): Promise<{ context: BrowserContext; page: Page }> => signInAs({ p, people, web, browser, consoleErrors }, who);

/** Posts a form from inside the page (same site, with the browser's cookies), as a replay or a forgery would. */
async function postForm(page: Page, action: string, fields: Record<string, string>): Promise<void> {
  // A string: the test's TypeScript knows no DOM; the page's CSP does not apply to the driver's own script.
  const script = `(() => { const form = document.createElement('form'); form.method = 'post'; form.action = ${JSON.stringify(action)};
    for (const [k, v] of Object.entries(${JSON.stringify(fields)})) { const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; form.append(i); }
    document.body.append(form); form.submit(); })()`;
  await Promise.all([page.waitForNavigation(), page.evaluate(script)]);
}

const formFields = (page: Page): Promise<Record<string, string>> =>
  page.$$eval('form.decide input[type=hidden]', (inputs) => Object.fromEntries(inputs.map((i) => [i.getAttribute('name') ?? '', i.getAttribute('value') ?? ''])));

beforeAll(async () => {
  p = await startPipeline({ sim: { users: 500, seed: 173, today: todayUtc() } });
  client = await connectClient();
  people = new People(p.sim, p.config);
  await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: todayUtc() }, { taskQueue: p.taskQueue })).result();
  const ranked = await candidates();
  const pick = userPicker(p.sim);
  // Not the admins who sign in here: the people a request is about are others.
  const fits = (u: PickedUser, n: number) => directOnly(u) && !p.sim.state.directory.admins.includes(u.id) && ranked.includes(u.id) && u.assignments.length >= n;
  const best = (n: number) => pick((u) => fits(u, n) && ranked.slice(0, 40).includes(u.id));
  approved = best(2);
  own = pick((u) => fits(u, 1));
  if (SCREENSHOTS)
    extra.push(
      pick((u) => fits(u, 1)),
      pick((u) => fits(u, 1)),
    );
  web = await startInbox({ ...p.config, taskQueue: p.taskQueue }, client.client, { host: '127.0.0.1', port: 0 }, { logger: silentLogger });
  browser = await launchChromium(p);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await client?.close();
  await p?.stop();
});

describe('the web inbox in Chromium', () => {
  it('an approver signs in, sees the request in names, products and cost, approves, and the licences are gone', async () => {
    const id = await request(approved, 'requester');
    const others = await Promise.all(extra.map((u, n) => request(u, n ? 'nestedApprover' : 'requester')));
    const { context, page } = await signIn('approver');
    try {
      const row = page.locator(`tr[data-workflow="${id}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toContain(approved.displayName);
      expect(await row.textContent()).toContain(p.sim.state.userAt(p.sim.state.indexOf(people.id('requester'))).displayName);
      if (SCREENSHOTS) await page.screenshot({ path: path.join(IMAGES, 'web-inbox.png'), clip: { x: 0, y: 0, width: 1280, height: 500 } });

      await row.getByRole('link', { name: 'Review' }).click();
      await page.waitForURL(`${web.url}/requests/${id}`);
      expect(page.url()).not.toContain(approved.upn);
      expect(await page.locator('[data-field="name"]').textContent()).toBe(approved.displayName);
      expect(await page.locator('[data-field="upn"]').textContent()).toBe(approved.upn);
      expect(await page.locator('[data-field="why"]').textContent()).toMatch(/Inactive for \d+ days|No recorded activity/);
      // Product names and yearly cost as the published warehouse has them today.
      const db = await openReadOnly(p.config.dbPath);
      let priced: { sku_id: string; product_name: string; annual: string | null }[];
      try {
        priced = (
          await db.query(
            `SELECT lower(sku_id) AS sku_id, product_name, (unit_price_monthly * 12)::DECIMAL(18, 2)::VARCHAR AS annual FROM internal.latest_sku_daily WHERE tenant_id = $1`,
            [p.sim.tenantId],
          )
        ).rows as never;
      } finally {
        db.close();
      }
      const held = approved.assignments.map((a) => priced.find((x) => x.sku_id === a.skuId.toLowerCase())!);
      expect(held.some((h) => h.annual !== null)).toBe(true);
      for (const h of held) {
        const cells = await page.locator(`[data-table="scope"] tr[data-sku="${h.sku_id}"]`).textContent();
        expect(cells).toContain(h.product_name);
        if (h.annual) expect(cells).toContain(`USD ${Number(h.annual).toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
      }
      if (SCREENSHOTS) await page.screenshot({ path: path.join(IMAGES, 'web-inbox-request.png'), fullPage: true });

      // A post without the form token (a forged form) is refused, and nothing is decided.
      const fields = await formFields(page);
      const { form_token: _token, ...noToken } = fields;
      await postForm(page, `/requests/${id}/decision`, { ...noToken, decision: 'approve' });
      expect(await page.locator('h1').textContent()).toBe('Form refused');
      expect(await page.locator('main').textContent()).toContain('(missing)');
      expect((await waitForStatus(client.client, id, () => true)).status).toBe('awaiting_approval');

      await page.goto(`${web.url}/requests/${id}`);
      const used = await formFields(page);
      await page.getByLabel(/Comment/).fill('left in March, manager agrees');
      await page.getByRole('button', { name: 'Approve removal' }).click();
      await page.waitForURL(`${web.url}/requests/${id}`);
      expect(await page.locator('[data-field="flash"]').textContent()).toContain('Approved');
      const result = await client.client.workflow.getHandle(id).result();
      expect(result.status).toBe('executed');
      expect(p.sim.state.assignedLicenses(approved.id)).toEqual([]);
      expect(removalsOf(p.sim, approved.id)).toHaveLength(1);

      // The same form sent again (a replay, a double click, the back button) is refused.
      await postForm(page, `/requests/${id}/decision`, { ...used, decision: 'approve' });
      expect(await page.locator('h1').textContent()).toBe('Form refused');
      expect(await page.locator('main').textContent()).toContain('already sent');

      const rows = await auditRows(p.config.dbPath, id);
      expect(rows.find((r) => r.event === 'approved')).toMatchObject({ actor: people.id('approver'), actor_upn: people.upn('approver'), reason: 'left in March, manager agrees' });
      await page.goto(`${web.url}/history`);
      expect(await page.locator(`tr[data-workflow="${id}"]`).textContent()).toMatch(/executed.*approved by/s);
      const text = await historyText(client.client, id);
      for (const secret of [approved.upn, approved.displayName, people.upn('approver'), 'manager agrees']) expect(text).not.toContain(secret);
      expect(text).not.toMatch(JWT_IN_TEXT);
      // The refused posts above answer 403, which the browser reports; nothing else may go wrong.
      expect(consoleErrors.filter((e) => !e.includes('status of 403'))).toEqual([]);
    } finally {
      await context.close();
      for (const o of others)
        await client.client.workflow
          .getHandle(o)
          .terminate('test cleanup')
          .catch(() => undefined);
    }
  });

  it('a requester is not offered the approval of their own request, and the worker refuses it when forced', async () => {
    const id = await request(own, 'approver2');
    const { context, page } = await signIn('approver2');
    try {
      await page.goto(`${web.url}/requests/${id}`);
      expect(await page.locator('[data-field="own-request"]').textContent()).toContain('you cannot approve it');
      expect(await page.locator('button[value="approve"]').count()).toBe(0);
      // Forced: the withdraw button turned into an approval, with a valid form token; the worker says no.
      await page.locator('button[value="reject"]').evaluate((b) => b.setAttribute('value', 'approve'));
      await page.locator('button[value="approve"]').click();
      await page.waitForURL(`${web.url}/requests/${id}`);
      expect(await page.locator('[data-field="flash"]').textContent()).toContain('self_approval');
      expect((await waitForStatus(client.client, id, () => true)).status).toBe('awaiting_approval');
      expect(p.sim.state.assignedLicenses(own.id).length).toBeGreaterThan(0);
    } finally {
      await context.close();
      await client.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
  });
});

if (SCREENSHOTS) mkdirSync(IMAGES, { recursive: true });
