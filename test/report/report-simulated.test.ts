// The report of a simulated tenant, staged through the real extract path: its free and viral SKUs (a million free
// Fabric seats) stay out of the paid utilisation and the totals, the money comes first, and the page reads on a
// laptop. With REPORT_SCREENSHOT=FILE the test also saves a screenshot of the page there (docs/images/report.png).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SQL, writeReport } from '../../src/report/index';
import { FREE_SKU_PART_NUMBERS } from '../../src/report/free-skus';
import { closeWarehouse, loadStagingDir, openReadOnly, publish } from '../../src/warehouse/index';
import { daysBefore, todayUtc } from '../support/dates';
import { simulatedDays, type SimulatedTenant } from '../support/simulated-days';
import { tempDir } from '../support/staging-fixtures';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TENANT_SPEC: SimulatedTenant = { seed: 24, users: 1500, today: daysBefore(todayUtc(), 3) };

let browser: Browser;
let page: Page;
let published: string;
let tenantId: string;

beforeAll(async () => {
  const root = tempDir('report-sim-');
  const work = path.join(root, 'work', 'm365.duckdb');
  published = path.join(root, 'm365.duckdb');
  for (const day of await simulatedDays(TENANT_SPEC, [0, 1, 2])) {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: day.dir });
    tenantId = day.tenantId;
  }
  await publish(work, published);
  await closeWarehouse();
  const { file } = await writeReport(published, path.join(root, 'report.html'));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
}, 300_000);
afterAll(async () => {
  await browser?.close();
});

async function sql(query: string, params: string[]): Promise<Record<string, unknown>[]> {
  const ro = await openReadOnly(published);
  try {
    return (await ro.query(query, params)).rows;
  } finally {
    ro.close();
  }
}

describe('the report of a simulated tenant', () => {
  it('shows free and viral SKUs apart: not in the paid utilisation bars, the paid totals or the trend', async () => {
    const all = await sql(REPORT_SQL.utilization, [tenantId]);
    const free = all.filter((r) => FREE_SKU_PART_NUMBERS.has(String(r.sku_part_number)));
    expect(free.map((r) => r.sku_part_number).sort()).toEqual(['FLOW_FREE', 'POWERAPPS_VIRAL', 'POWER_BI_STANDARD']);
    const bars = await page.$$eval('[data-chart="utilization"] rect.bar', (els) => els.map((e) => e.getAttribute('data-sku')));
    expect(bars.sort()).toEqual(
      all
        .filter((r) => !free.includes(r))
        .map((r) => String(r.sku_part_number))
        .sort(),
    );
    const listedFree = await page.$$eval('[data-section="free-skus"] tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
    expect(listedFree.sort()).toEqual(['FLOW_FREE', 'POWERAPPS_VIRAL', 'POWER_BI_STANDARD']);
    const paidPurchased = all.filter((r) => !free.includes(r)).reduce((n, r) => n + Number(r.purchased), 0);
    expect(await page.$eval('[data-kpi="Paid licences"]', (c) => c.getAttribute('data-value'))).toBe(paidPurchased.toLocaleString('en-US'));
    const trend = await page.$$eval('[data-chart="trend"] circle[data-date]', (els) => els.map((e) => Number(e.getAttribute('data-purchased'))));
    expect(trend.at(-1)).toBe(paidPurchased);
  });

  it('leads with money and reads on a laptop screen; the long lists come collapsed', async () => {
    expect(await page.$eval('.tenant section', (s) => s.getAttribute('data-section'))).toBe('money');
    const spend = await page.$eval('[data-kpi="Annual spend"]', (c) => c.getAttribute('data-value'));
    expect(spend).toMatch(/^USD [\d,]+$/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    expect(await page.$$eval('details.list', (ds) => ds.map((d) => d.hasAttribute('open')))).toEqual([false, false]);
    const shot = process.env.REPORT_SCREENSHOT;
    // The first screens: the money, the paid utilisation and the spend (the rest of the page is lists and logs).
    if (shot) await page.screenshot({ path: path.resolve(shot), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1800 } });
    if (shot) expect(existsSync(path.resolve(shot))).toBe(true);
  });
});
