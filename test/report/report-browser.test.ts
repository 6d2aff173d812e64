// The HTML report in a real browser: headless Chromium from the OS packages driven by playwright-core. The page must
// load with no console error and no request beyond its own file, and every chart must show what the same SQL returns.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SQL, reportPathFor, tenantReportPathFor, writeFleetIndexBesidePublished, writeReport, writeTenantReportBesidePublished } from '../../src/report/index';
import { MONEY_SQL } from '../../src/report/data';
import { openReadOnly } from '../../src/warehouse/index';
import { TENANT } from '../support/staging-fixtures';
import { EVIL_ACTOR, EVIL_DETAIL, buildWarehouse, type BuiltWarehouse } from '../support/build-warehouse';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let wh: BuiltWarehouse;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const failed: string[] = [];
const requests: string[] = [];

async function sql(query: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const ro = await openReadOnly(wh.published);
  try {
    return (await ro.query(query, params)).rows;
  } finally {
    ro.close();
  }
}

const attrs = (selector: string, names: string[]) => page.$$eval(selector, (els, ns) => els.map((e) => Object.fromEntries(ns.map((n) => [n, e.getAttribute(`data-${n}`)]))), names);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (Debian) or set CHROMIUM_PATH.`);
  }
  wh = await buildWarehouse({ spend: true });
  const { file } = await writeTenantReportBesidePublished(wh.published, TENANT);
  expect(file).toBe(tenantReportPathFor(wh.published, TENANT));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('requestfailed', (r) => failed.push(r.url()));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('the HTML report in Chromium', () => {
  it('loads from the file system with no console error, no failed request and no request but its own file', () => {
    expect(consoleErrors).toEqual([]);
    expect(failed).toEqual([]);
    expect(requests).toEqual([pathToFileURL(tenantReportPathFor(wh.published, TENANT)).href]);
  });

  it('draws one utilisation bar per SKU with the assigned and purchased counts of license_utilization', async () => {
    const expected = (await sql(REPORT_SQL.utilization, [TENANT])).map((r) => ({ sku: r.sku_part_number, assigned: String(r.assigned), purchased: String(r.purchased) }));
    expect(expected).toHaveLength(2);
    expect(await attrs('[data-chart="utilization"] rect.bar', ['sku', 'assigned', 'purchased'])).toEqual(expected);
  });

  it('draws inactive and never-active users per SKU as inactive_licensed_users counts them; the user list comes collapsed, after the charts', async () => {
    const expected = (await sql(REPORT_SQL.inactiveBySku, [TENANT])).map((r) => ({ sku: r.sku, inactive: String(r.inactive), 'never-active': String(r.never_active) }));
    expect(expected.length).toBeGreaterThan(0);
    expect(await attrs('[data-chart="inactive"] rect.bar', ['sku', 'inactive', 'never-active'])).toEqual(expected);
    const list = page.locator('details[data-list="inactive-users"]');
    expect(await list.evaluate((d) => d.hasAttribute('open'))).toBe(false);
    expect(await page.locator('details[data-list="inactive-users"] table').isVisible()).toBe(false);
    // Every chart comes before the first collapsed list.
    const order = await page.$$eval('svg.chart, details.list', (els) => els.map((e) => e.tagName.toLowerCase()));
    expect(order.indexOf('details')).toBe(order.lastIndexOf('svg') + 1);
    await page.locator('details[data-list="inactive-users"] summary').click();
    const listed = await page.$$eval('details[data-list="inactive-users"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(listed).toEqual((await sql(REPORT_SQL.inactiveUsers, [TENANT, 200])).map((r) => r.user_principal_name));
    await page.locator('details[data-list="inactive-users"] summary').click();
  });

  it('shows activity by service and licence as activity_by_license counts it', async () => {
    const services = ['any', 'exchange', 'outlook', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'];
    const expected = (await sql(REPORT_SQL.activity, [TENANT])).flatMap((r) =>
      services.map((s) => ({ sku: r.sku, service: s, active: String(r[s === 'any' ? 'active_any_30d' : `active_${s}_30d`]), holders: String(r.holders) })),
    );
    expect(expected).toHaveLength(16);
    expect(expected.some((e) => e.active !== '0')).toBe(true);
    expect(await attrs('[data-chart="activity"] td.heat', ['sku', 'service', 'active', 'holders'])).toEqual(expected);
  });

  it("plots one trend point per snapshot with the history's totals", async () => {
    const expected = (await sql(REPORT_SQL.trend, [TENANT, ''])).map((r) => ({ date: r.snapshot_date, assigned: String(r.assigned), purchased: String(r.purchased) }));
    expect(expected.map((e) => e.date)).toEqual(['2024-05-09', '2024-05-10', '2024-05-11']);
    expect(await attrs('[data-chart="trend"] circle[data-date]', ['date', 'assigned', 'purchased'])).toEqual(expected);
  });

  it('leads with money: annual spend, idle spend, savings now and at renewal with its date, before any licence count', async () => {
    const first = await page.$eval('.tenant section', (sec) => sec.getAttribute('data-section'));
    expect(first).toBe('money');
    const totals = await sql(MONEY_SQL.spendTotals, [TENANT]);
    expect(totals).toHaveLength(1);
    const cards = Object.fromEntries(await page.$$eval('[data-section="money"] .card', (cs) => cs.map((c) => [c.getAttribute('data-kpi'), c.getAttribute('data-value')])));
    const whole = (v: unknown) => `USD ${Math.round(Number(v)).toLocaleString('en-US')}`;
    const kinds = await sql(MONEY_SQL.savingsByKind, [TENANT]);
    const sum = (rows: Record<string, unknown>[]) => rows.reduce((n, r) => n + Number(r.annual_saving), 0);
    expect(cards).toEqual({
      'Annual spend': whole(totals[0]!.annual_spend),
      'Idle spend': whole(totals[0]!.idle_spend),
      'Savings now': whole(sum(kinds.filter((k) => k.realizable === 'now'))),
      'Savings at renewal': whole(sum(kinds.filter((k) => k.realizable !== 'now'))),
    });
    expect(await page.$eval('[data-section="money"]', (sec) => sec.textContent ?? '')).toContain('from the renewal on 2024-09-01');
    // One bar per kind and currency, as the savings view sums them, the part realizable now drawn darker.
    const bars = [...kinds]
      .sort((a, b) => Number(b.annual_saving) - Number(a.annual_saving))
      .map((k) => ({
        kind: k.kind,
        'annual-saving': Number(k.annual_saving).toFixed(2),
        now: k.realizable === 'now' ? Number(k.annual_saving).toFixed(2) : '0.00',
      }));
    expect(await attrs('[data-chart="savings"] rect.bar', ['kind', 'annual-saving', 'now'])).toEqual(bars);
    expect(await page.$$eval('[data-section="money"] details.when tbody tr', (trs) => trs.map((t) => t.getAttribute('data-when')))).toEqual(['at renewal on 2024-09-01']);
    expect(kinds.map((k) => k.realizable)).toEqual(['now', 'at_renewal']);
  });

  it('renders spend per SKU because this warehouse has that view', async () => {
    const spend = (await sql('SELECT sku_part_number, annual_spend::DOUBLE AS s FROM license_spend WHERE tenant_id = $1', [TENANT])).map((r) => ({
      sku: r.sku_part_number,
      'annual-spend': String(r.s),
    }));
    expect(await attrs('[data-chart="spend"] rect.bar', ['sku', 'annual-spend'])).toEqual(spend);
  });

  it('shows a banner for the concealed latest report', async () => {
    const banners = await page.$$eval('.banner', (b) => b.map((e) => e.textContent ?? ''));
    expect(banners.some((b) => b.includes('2024-05-11 were concealed') && b.includes('snapshot of 2024-05-10'))).toBe(true);
  });

  it('shows HTML from the warehouse as text: the reclamation log cannot inject markup', async () => {
    expect(await page.$$('img, script')).toHaveLength(0);
    const log = await page.$eval('section:has(h3:text("Reclamation log"))', (s) => s.textContent ?? '');
    expect(log).toContain(EVIL_ACTOR);
    expect(log).toContain(EVIL_DETAIL);
    // Users are named by display name and UPN from the latest roster.
    expect(log).toMatch(/\S+ <carol@contoso\.com>/);
  });

  it('fits a laptop screen: nothing wider than the 1366-pixel window', async () => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    const chartWidths = await page.$$eval('svg.chart', (s) => s.map((e) => e.getBoundingClientRect().width));
    for (const w of chartWidths) expect(w).toBeGreaterThan(600);
  });
});

describe("the fleet's page beside the published file", () => {
  it('lists the tenant with its last run and links to its report, which links back; nothing but the page loads', async () => {
    const { file } = await writeFleetIndexBesidePublished(wh.published);
    expect(file).toBe(reportPathFor(wh.published));
    const fleet = await browser.newPage();
    const loaded: string[] = [];
    const errors: string[] = [];
    fleet.on('request', (r) => loaded.push(r.url()));
    fleet.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    try {
      await fleet.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(loaded).toEqual([pathToFileURL(file).href]);
      expect(errors).toEqual([]);
      const [last] = await sql(`SELECT status, snapshot_date::VARCHAR AS d FROM runs WHERE tenant_id = $1 ORDER BY started_at DESC NULLS LAST LIMIT 1`, [TENANT]);
      const row = fleet.locator(`tr[data-tenant="${TENANT}"]`);
      expect(await row.locator('.status').textContent()).toBe(last!.status);
      expect(await row.textContent()).toContain(String(last!.d));
      await row.locator('a').click();
      await fleet.waitForURL(pathToFileURL(tenantReportPathFor(wh.published, TENANT)).href);
      expect(await fleet.locator(`.tenant[data-tenant="${TENANT}"]`).count()).toBe(1);
      await fleet.locator('nav a', { hasText: 'All tenants' }).click();
      await fleet.waitForURL(pathToFileURL(file).href);
    } finally {
      await fleet.close();
    }
  });
});

describe('report without the optional views', () => {
  it('leaves out spend and savings when the warehouse has no such views, and writes only where told', async () => {
    const plain = await buildWarehouse();
    const out = path.join(plain.root, 'custom.html');
    await writeReport(plain.published, out, { tenant: TENANT });
    const html = await readFile(out, 'utf8');
    expect(html).toContain('data-chart="utilization"');
    expect(html).not.toContain('data-chart="spend"');
    expect(html).not.toContain('Savings opportunities');
    expect(html).not.toContain('data-section="money"');
    expect(existsSync(reportPathFor(plain.published))).toBe(false);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
