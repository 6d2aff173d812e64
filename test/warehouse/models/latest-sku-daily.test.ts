// latest_sku_daily computes each tenant's latest snapshot day alone (sku_days(true), from the current-state SKUs),
// sku_daily every day from the history (sku_days(false)); both share one price rule. Two tenants with different
// latest days, three days of one of them loaded out of order (the latest before a backfilled middle day), seat counts
// that differ per day, and prices and contracts whose effective dates make each day priced differently: the latest
// day must be the same rows both ways, and priced contract first, then the tenant's price, then the list price.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPublished, queryWork } from '../../support/work-query';
import { closeWarehouse, importContracts, importPrices, loadStagingDir, publish } from '../../../src/warehouse/index';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, TENANT, writeTenant } from '../../support/spend-tenant';

const OTHER = 'bbbbbbbb-1111-2222-3333-444444444444';

let root: string;
let work: string;
const rows = (sql: string): Promise<Record<string, unknown>[]> => queryWork(work, sql);

/** The crafted tenant's day, staged for `tenantId` (the fixture writes TENANT; the manifest decides the tenant). */
async function load(tenantId: string, date: string, e3Purchased: number): Promise<void> {
  const dir = writeTenant(path.join(root, tenantId, date), craftedTenant(date, e3Purchased));
  const manifest = path.join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), tenantId }));
  const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir });
  expect(r.status).toBe('succeeded');
}

beforeAll(async () => {
  root = tempDir('latest-sku-daily-');
  work = path.join(root, 'work.duckdb');
  // TENANT: E3 bought 8, 9, 10 seats; its latest day (05-20) is loaded before the middle one (05-10).
  await load(TENANT, '2026-05-01', 8);
  await load(TENANT, '2026-05-20', 10);
  await load(TENANT, '2026-05-10', 9);
  // OTHER: latest day 05-12, earlier than TENANT's.
  await load(OTHER, '2026-05-05', 6);
  await load(OTHER, '2026-05-12', 7);
  const prices = path.join(root, 'prices.csv');
  writeFileSync(
    prices,
    [
      'sku_part_number,currency,unit_price_monthly,billing,effective_from,effective_to,tenant',
      // E3: the tenant's annual price changes on 05-16, and its monthly price starts then (the cs-e3 contract is monthly)
      `SPE_E3,USD,35.00,annual,2026-01-01,2026-05-15,${TENANT}`,
      `SPE_E3,USD,40.00,annual,2026-05-16,,${TENANT}`,
      `SPE_E3,USD,44.00,monthly,2026-05-16,,${TENANT}`,
      // E5: the tenant's price, under a contract that has its own
      `SPE_E5,USD,55.00,annual,2026-01-01,,${TENANT}`,
      // Office 365 E3: the tenant's price ends on 05-15, the list price (23, data/prices.csv) applies after
      `ENTERPRISEPACK,USD,20.00,annual,2026-01-01,2026-05-15,${TENANT}`,
      `SPE_E3,USD,30.00,annual,2026-01-01,,${OTHER}`,
    ].join('\n'),
  );
  const contracts = path.join(root, 'contracts.csv');
  writeFileSync(
    contracts,
    [
      'tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing',
      `${TENANT},cs-e5,,5,2025-09-01,2026-08-31,50.00,USD,annual`,
      // no price: the tenant's or list price of the contract's billing applies
      `${TENANT},cs-e3,,,2026-05-01,2026-05-31,,,monthly`,
      // by part number, ended before the latest day
      `${TENANT},,POWER_BI_PRO,5,2026-05-01,2026-05-15,9.00,USD,annual`,
    ].join('\n'),
  );
  expect(await importPrices(work, prices)).toEqual({ rows: 6 });
  expect(await importContracts(work, contracts)).toEqual({ rows: 3 });
}, 120_000);
afterAll(async () => {
  await closeWarehouse();
});

const COLUMNS = `tenant_id = '${TENANT}' AS first, day::VARCHAR AS day, sku_part_number AS sku, purchased, trial_seats, paid_seats,
  currency, unit_price_monthly AS price, billing, price_source`;

const onLatest = `SELECT sd.* FROM sku_daily sd JOIN latest_snapshot l ON l.tenant_id = sd.tenant_id AND l.snapshot_date = sd.day`;

describe('latest_sku_daily', () => {
  it('is sku_daily on each tenant latest snapshot, row for row (EXCEPT ALL both ways)', async () => {
    expect(await rows(`SELECT count(*)::INTEGER AS n FROM (FROM internal.latest_sku_daily EXCEPT ALL ${onLatest})`)).toEqual([{ n: 0 }]);
    expect(await rows(`SELECT count(*)::INTEGER AS n FROM (${onLatest} EXCEPT ALL FROM internal.latest_sku_daily)`)).toEqual([{ n: 0 }]);
    // six SKUs per tenant, on 05-20 and 05-12; sku_daily holds every day from the first snapshot (20 and 8 days)
    expect(await rows(`SELECT tenant_id = '${TENANT}' AS first, day::VARCHAR AS day, count(*)::INTEGER AS n FROM internal.latest_sku_daily GROUP BY ALL ORDER BY 1 DESC`)).toEqual([
      { first: true, day: '2026-05-20', n: 6 },
      { first: false, day: '2026-05-12', n: 6 },
    ]);
    expect(await rows(`SELECT tenant_id = '${TENANT}' AS first, count(DISTINCT day)::INTEGER AS days FROM sku_daily GROUP BY ALL ORDER BY 1 DESC`)).toEqual([
      { first: true, days: 20 },
      { first: false, days: 8 },
    ]);
  });

  it('prices the latest day contract first, then the tenant price (of the contract billing), then the list price', async () => {
    const row = (
      first: boolean,
      day: string,
      sku: string,
      seats: [number, number, number],
      currency: string | null,
      price: string | null,
      billing: string | null,
      source: string | null,
    ) => ({ first, day, sku, purchased: seats[0], trial_seats: seats[1], paid_seats: seats[2], currency, price, billing, price_source: source });
    expect(await rows(`SELECT ${COLUMNS} FROM internal.latest_sku_daily ORDER BY first DESC, sku`)).toEqual([
      row(true, '2026-05-20', 'ENTERPRISEPACK', [3, 0, 3], 'USD', '23.0000', 'annual', 'list'), // tenant price ended 05-15
      row(true, '2026-05-20', 'Microsoft_365_Copilot', [3, 0, 3], 'USD', '30.0000', 'annual', 'list'),
      row(true, '2026-05-20', 'POWER_BI_PRO', [5, 5, 0], 'USD', '14.0000', 'annual', 'list'), // contract ended 05-15; trial seats
      row(true, '2026-05-20', 'SPE_E3', [10, 0, 10], 'USD', '44.0000', 'monthly', 'tenant'), // tenant's, monthly as cs-e3 (not list 43.20)
      row(true, '2026-05-20', 'SPE_E5', [5, 0, 5], 'USD', '50.0000', 'annual', 'contract'), // contract's 50, not the tenant's 55
      row(true, '2026-05-20', 'VISIOCLIENT', [2, 0, 2], null, null, null, null),
      row(false, '2026-05-12', 'ENTERPRISEPACK', [3, 0, 3], 'USD', '23.0000', 'annual', 'list'),
      row(false, '2026-05-12', 'Microsoft_365_Copilot', [3, 0, 3], 'USD', '30.0000', 'annual', 'list'),
      row(false, '2026-05-12', 'POWER_BI_PRO', [5, 5, 0], 'USD', '14.0000', 'annual', 'list'), // TENANT's contract is not OTHER's
      row(false, '2026-05-12', 'SPE_E3', [7, 0, 7], 'USD', '30.0000', 'annual', 'tenant'),
      row(false, '2026-05-12', 'SPE_E5', [5, 0, 5], 'USD', '57.0000', 'annual', 'list'),
      row(false, '2026-05-12', 'VISIOCLIENT', [2, 0, 2], null, null, null, null),
    ]);
    // An earlier day keeps its own rule in sku_daily: the backfilled 05-10 with 9 seats, the old tenant prices, the PBI contract.
    expect(
      await rows(`SELECT ${COLUMNS} FROM sku_daily WHERE tenant_id = '${TENANT}' AND day = DATE '2026-05-10'
        AND sku_part_number IN ('ENTERPRISEPACK', 'POWER_BI_PRO', 'SPE_E3') ORDER BY sku`),
    ).toEqual([
      row(true, '2026-05-10', 'ENTERPRISEPACK', [3, 0, 3], 'USD', '20.0000', 'annual', 'tenant'),
      row(true, '2026-05-10', 'POWER_BI_PRO', [5, 5, 0], 'USD', '9.0000', 'annual', 'contract'),
      row(true, '2026-05-10', 'SPE_E3', [9, 0, 9], 'USD', '35.0000', 'monthly', 'tenant'),
    ]);
  });

  it('reads the same in the published file, opened read-only with external access off', async () => {
    const published = path.join(root, 'published.duckdb');
    await publish(work, published);
    const n = async (sql: string) => (await queryPublished(published, `SELECT count(*)::INTEGER AS n FROM (${sql})`))[0]!.n;
    expect(await n('FROM internal.latest_sku_daily')).toBe(12);
    expect(await n(`FROM internal.latest_sku_daily EXCEPT ALL ${onLatest}`)).toBe(0);
    expect(await n(`${onLatest} EXCEPT ALL FROM internal.latest_sku_daily`)).toBe(0);
  });
});
