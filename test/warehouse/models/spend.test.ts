// Spend and savings of a small crafted tenant, checked against figures worked out by hand below.
// Tenant: two currencies (Copilot in EUR, the rest USD), SPE_E3 repriced mid-month (36 -> 40 USD on 2026-05-16),
// an annual (E5, cs-e5) and a monthly (E3, cs-e3) contract, a Power BI Pro trial, a user holding overlapping
// suites (olga: E5 + Office 365 E3), a Copilot seat idle (ben) and one in its grace period (cid).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWork } from '../../support/work-query';
import { closeWarehouse, importContracts, importPrices, loadStagingDir, sumMoney, totalsByCurrency, MixedCurrencyError } from '../../../src/warehouse/index';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, SKU, TENANT, writeTenant, type Sku } from '../../support/spend-tenant';

let root: string;
let work: string;

const rows = (sql: string): Promise<Record<string, unknown>[]> => queryWork(work, sql);

beforeAll(async () => {
  root = tempDir('spend-');
  work = path.join(root, 'work.duckdb');
  const prices = path.join(root, 'prices.csv');
  writeFileSync(
    prices,
    [
      'sku_part_number,currency,unit_price_monthly,billing,effective_from,effective_to,tenant',
      `SPE_E5,USD,57.00,annual,2026-01-01,,${TENANT}`,
      `ENTERPRISEPACK,USD,23.00,annual,2026-01-01,,${TENANT}`,
      `SPE_E3,USD,36.00,annual,2026-01-01,2026-05-15,${TENANT}`,
      `SPE_E3,USD,40.00,annual,2026-05-16,,${TENANT}`,
      `Microsoft_365_Copilot,EUR,28.10,annual,2026-01-01,,${TENANT}`,
      `POWER_BI_PRO,USD,14.00,annual,2026-01-01,,${TENANT}`,
      `EXCHANGESTANDARD,USD,4.00,annual,2026-01-01,,${TENANT}`,
      `SPE_F1,USD,8.00,annual,2026-01-01,,${TENANT}`,
    ].join('\n'),
  );
  const contracts = path.join(root, 'contracts.csv');
  writeFileSync(
    contracts,
    [
      'tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing',
      `${TENANT},cs-e5,,5,2025-09-01,2026-08-31,,,annual`,
      `${TENANT},cs-e3,,,2026-05-01,2026-05-31,,,monthly`,
    ].join('\n'),
  );
  expect(await importPrices(work, prices)).toEqual({ rows: 8 });
  expect(await importContracts(work, contracts)).toEqual({ rows: 2 });
  // First snapshot: 8 E3 seats bought; second: 10.
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-01', 8, '2026-04-29')) });
  const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-20', 10)) });
  expect(r.status).toBe('succeeded');
}, 60_000);
afterAll(async () => {
  await closeWarehouse();
});

describe('license_spend', () => {
  it('prices every SKU on the snapshot date: paid seats x monthly price x 12, trial seats free, NULL without a price', async () => {
    const got = await rows(`SELECT sku_part_number AS sku, currency, unit_price_monthly AS price, billing, price_source, purchased, assigned, unassigned,
        trial_seats, paid_seats, inactive_assigned, never_active_assigned, disabled_assigned, annual_spend, unassigned_annual_cost,
        inactive_annual_cost, next_renewal_date::VARCHAR AS renewal, trial_ends_on::VARCHAR AS trial_ends
      FROM license_spend ORDER BY sku`);
    const row = (
      sku: string,
      currency: string | null,
      price: string | null,
      billing: string | null,
      source: string | null,
      seats: [number, number, number, number, number],
      people: [number, number, number],
      money: [string | null, string | null, string | null],
      renewal: string | null,
      trialEnds: string | null = null,
    ) => ({
      sku,
      currency,
      price,
      billing,
      price_source: source,
      purchased: seats[0],
      assigned: seats[1],
      unassigned: seats[2],
      trial_seats: seats[3],
      paid_seats: seats[4],
      inactive_assigned: people[0],
      never_active_assigned: people[1],
      disabled_assigned: people[2],
      annual_spend: money[0],
      unassigned_annual_cost: money[1],
      inactive_annual_cost: money[2],
      renewal,
      trial_ends: trialEnds,
    });
    expect(got).toEqual([
      // 3 x 23 x 12 = 828; 1 unassigned x 23 x 12 = 276; renews with its subscription on 2027-01-15
      row('ENTERPRISEPACK', 'USD', '23.0000', 'annual', 'tenant', [3, 2, 1, 0, 3], [0, 0, 0], ['828.00', '276.00', '0.00'], '2027-01-15'),
      // EUR: 3 x 28.10 x 12 = 1011.60
      row('Microsoft_365_Copilot', 'EUR', '28.1000', 'annual', 'tenant', [3, 3, 0, 0, 3], [0, 0, 0], ['1011.60', '0.00', '0.00'], '2026-11-01'),
      // all 5 seats on trial: nothing paid yet; eve (disabled, never active) holds one
      row('POWER_BI_PRO', 'USD', '14.0000', 'annual', 'tenant', [5, 1, 4, 5, 0], [1, 1, 1], ['0.00', '0.00', '0.00'], null, '2026-06-10'),
      // price of 2026-05-20 is the new 40; monthly contract cs-e3 ends 2026-05-31 -> renewal 2026-06-01;
      // 10 x 40 x 12 = 4800; 5 unassigned x 40 x 12 = 2400; dan and eve inactive: 2 x 40 x 12 = 960
      row('SPE_E3', 'USD', '40.0000', 'monthly', 'tenant', [10, 5, 5, 0, 10], [2, 1, 1], ['4800.00', '2400.00', '960.00'], '2026-06-01'),
      // annual contract cs-e5 until 2026-08-31; 5 x 57 x 12 = 3420; 1 unassigned x 57 x 12 = 684
      row('SPE_E5', 'USD', '57.0000', 'annual', 'tenant', [5, 4, 1, 0, 5], [0, 0, 0], ['3420.00', '684.00', '0.00'], '2026-09-01'),
      // no price anywhere: money NULL; its subscription is in Warning until 2026-06-05
      row('VISIOCLIENT', null, null, null, null, [2, 1, 1, 0, 2], [0, 0, 0], [null, null, null], '2026-06-05'),
    ]);
    // Totals per currency, never across: USD 828 + 0 + 4800 + 3420 = 9048.00; EUR 1011.60.
    const totals = totalsByCurrency(await rows('SELECT currency, annual_spend FROM license_spend'), (r) => ({ currency: r.currency, amount: r.annual_spend }));
    expect(totals).toEqual({
      totals: [
        { currency: 'EUR', amount: '1011.60' },
        { currency: 'USD', amount: '9048.00' },
      ],
      unpriced: 1,
    });
    expect(() => sumMoney(totals.totals)).toThrow(MixedCurrencyError);
  });

  it('spend_history prorates the mid-month price change and the seat change by day', async () => {
    const got = await rows(`SELECT sku_part_number AS sku, currency, days_covered, spend FROM spend_history
      WHERE month = DATE '2026-05-01' AND sku_part_number IN ('SPE_E3', 'SPE_E5', 'Microsoft_365_Copilot') ORDER BY sku`);
    expect(got).toEqual([
      // 3 seats x 28.10 x 20 days / 31 = 1686 / 31 = 54.387 -> 54.39 EUR
      { sku: 'Microsoft_365_Copilot', currency: 'EUR', days_covered: 20, spend: '54.39' },
      // 8 seats x 36 x 15 days (05-01..05-15) + 8 x 40 x 4 days (05-16..05-19) + 10 x 40 x 1 day (05-20) = 6000; / 31 = 193.548 -> 193.55
      { sku: 'SPE_E3', currency: 'USD', days_covered: 20, spend: '193.55' },
      // 5 x 57 x 20 / 31 = 183.87
      { sku: 'SPE_E5', currency: 'USD', days_covered: 20, spend: '183.87' },
    ]);
  });

  it('spend_by_department charges each department per currency', async () => {
    const got = await rows(`SELECT department, currency, users, assigned_seats, unpriced_seats, annual_cost FROM spend_by_department ORDER BY department, currency NULLS LAST`);
    expect(got).toEqual([
      // Finance: olga 57 + 23, ivy 57, dan 40, eve 40 + 0 (trial-only Power BI), fay 40, gus 40, hal 23 = 320 a month -> 3840 a year
      { department: 'Finance', currency: 'USD', users: 7, assigned_seats: 9, unpriced_seats: 0, annual_cost: '3840.00' },
      { department: 'Finance', currency: null, users: 1, assigned_seats: 1, unpriced_seats: 1, annual_cost: null },
      // Sales: Copilot 3 x 28.10 x 12 = 1011.60 EUR; ana 57 + ben 57 + cid 40 = 154 x 12 = 1848 USD
      { department: 'Sales', currency: 'EUR', users: 3, assigned_seats: 3, unpriced_seats: 0, annual_cost: '1011.60' },
      { department: 'Sales', currency: 'USD', users: 3, assigned_seats: 3, unpriced_seats: 0, annual_cost: '1848.00' },
    ]);
  });
});

describe('savings', () => {
  it('overlapping_licenses: Office 365 E3 is covered by the E5 olga also holds (Forms E5 supersedes Forms E3)', async () => {
    expect(
      await rows(`SELECT user_id, redundant_sku_part_number AS redundant, covered_by_sku_part_number AS covered_by, currency, monthly_saving FROM overlapping_licenses`),
    ).toEqual([{ user_id: 'u-olga', redundant: 'ENTERPRISEPACK', covered_by: 'SPE_E5', currency: 'USD', monthly_saving: '23.0000' }]);
  });

  it('copilot_idle_seats: ben never used Copilot; cid is in the grace period; ana used it 8 days before the report', async () => {
    expect(await rows(`SELECT user_id, last_copilot_activity_date AS last, currency, monthly_cost, annual_cost FROM copilot_idle_seats`)).toEqual([
      { user_id: 'u-ben', last: null, currency: 'EUR', monthly_cost: '28.1000', annual_cost: '337.20' },
    ]);
  });

  it('savings_opportunities: one row per opportunity with money, realizability and evidence', async () => {
    const got = await rows(`SELECT kind, user_id, sku_part_number AS sku, seats, monthly_saving AS monthly, annual_saving AS annual, currency,
        realizable, realizable_on::VARCHAR AS realizable_on, confidence FROM savings_opportunities ORDER BY kind, user_id NULLS LAST, sku`);
    expect(got).toEqual([
      // ben's Copilot seat: all 3 seats are assigned, so a freed seat is given to the next user instead of buying one
      {
        kind: 'copilot_idle',
        user_id: 'u-ben',
        sku: 'Microsoft_365_Copilot',
        seats: 1,
        monthly: '28.1000',
        annual: '337.20',
        currency: 'EUR',
        realizable: 'now',
        realizable_on: '2026-05-20',
        confidence: 'high',
      },
      // fay used only mail: E3 (40) -> Exchange Online Plan 1 (4) saves 36 a month (rule medium beats the F3 rule, low)
      {
        kind: 'downgrade',
        user_id: 'u-fay',
        sku: 'SPE_E3',
        seats: 1,
        monthly: '36.0000',
        annual: '432.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2026-06-01',
        confidence: 'medium',
      },
      // eve is disabled: her E3 seat, and her trial Power BI seat (saved when the trial ends instead of converting)
      {
        kind: 'reclaim_disabled',
        user_id: 'u-eve',
        sku: 'POWER_BI_PRO',
        seats: 1,
        monthly: '14.0000',
        annual: '168.00',
        currency: 'USD',
        realizable: 'trial_ending',
        realizable_on: '2026-06-10',
        confidence: 'high',
      },
      {
        kind: 'reclaim_disabled',
        user_id: 'u-eve',
        sku: 'SPE_E3',
        seats: 1,
        monthly: '40.0000',
        annual: '480.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2026-06-01',
        confidence: 'high',
      },
      // dan: no activity since 2025-12-01 (168 days before the 2026-05-18 reports)
      {
        kind: 'reclaim_inactive',
        user_id: 'u-dan',
        sku: 'SPE_E3',
        seats: 1,
        monthly: '40.0000',
        annual: '480.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2026-06-01',
        confidence: 'high',
      },
      // unassigned seats: cut at each SKU's next renewal
      {
        kind: 'reduce_unassigned',
        user_id: null,
        sku: 'ENTERPRISEPACK',
        seats: 1,
        monthly: '23.0000',
        annual: '276.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2027-01-15',
        confidence: 'high',
      },
      {
        kind: 'reduce_unassigned',
        user_id: null,
        sku: 'SPE_E3',
        seats: 5,
        monthly: '200.0000',
        annual: '2400.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2026-06-01',
        confidence: 'high',
      },
      {
        kind: 'reduce_unassigned',
        user_id: null,
        sku: 'SPE_E5',
        seats: 1,
        monthly: '57.0000',
        annual: '684.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2026-09-01',
        confidence: 'high',
      },
      {
        kind: 'reduce_unassigned',
        user_id: null,
        sku: 'VISIOCLIENT',
        seats: 1,
        monthly: null,
        annual: null,
        currency: null,
        realizable: 'at_renewal',
        realizable_on: '2026-06-05',
        confidence: 'high',
      },
      // olga: Office 365 E3 on top of E5
      {
        kind: 'remove_overlap',
        user_id: 'u-olga',
        sku: 'ENTERPRISEPACK',
        seats: 1,
        monthly: '23.0000',
        annual: '276.00',
        currency: 'USD',
        realizable: 'at_renewal',
        realizable_on: '2027-01-15',
        confidence: 'high',
      },
    ]);
    const evidence = await rows(`SELECT kind, evidence FROM savings_opportunities WHERE user_id IN ('u-dan', 'u-olga', 'u-fay') ORDER BY kind`);
    expect(evidence).toEqual([
      { kind: 'downgrade', evidence: 'used only exchange, outlook in the last 90 days: EXCHANGESTANDARD would do (rule mail-only-spe-e3)' },
      { kind: 'reclaim_inactive', evidence: 'no activity in any service for 168 days (reports as of 2026-05-18)' },
      { kind: 'remove_overlap', evidence: 'every enabled service plan of ENTERPRISEPACK is also in SPE_E5, which the user holds' },
    ]);
    // Per kind and currency, as `m365-license savings` prints them.
    expect(await rows(`SELECT kind, currency, sum(annual_saving)::VARCHAR AS annual FROM savings_opportunities GROUP BY ALL ORDER BY kind, currency NULLS LAST`)).toEqual([
      { kind: 'copilot_idle', currency: 'EUR', annual: '337.20' },
      { kind: 'downgrade', currency: 'USD', annual: '432.00' },
      { kind: 'reclaim_disabled', currency: 'USD', annual: '648.00' },
      { kind: 'reclaim_inactive', currency: 'USD', annual: '480.00' },
      { kind: 'reduce_unassigned', currency: 'USD', annual: '3360.00' },
      { kind: 'reduce_unassigned', currency: null, annual: null },
      { kind: 'remove_overlap', currency: 'USD', annual: '276.00' },
    ]);
  });

  it('rightsizing_candidates reads the rules table and carries the saving', async () => {
    expect(
      await rows(
        `SELECT user_id, premium_sku_part_numbers AS skus, suggested_sku_part_numbers AS suggested, rule_ids, confidence, currency, monthly_saving FROM rightsizing_candidates`,
      ),
    ).toEqual([
      { user_id: 'u-fay', skus: ['SPE_E3'], suggested: ['EXCHANGESTANDARD'], rule_ids: ['mail-only-spe-e3'], confidence: 'medium', currency: 'USD', monthly_saving: '36.0000' },
    ]);
  });
});

describe('savings_opportunities precedence', () => {
  let precedenceWork: string;
  beforeAll(async () => {
    precedenceWork = path.join(root, 'precedence.duckdb');
    const spec = craftedTenant('2026-05-20', 10);
    const old = (sku: Sku) => ({ sku, assigned: '2024-02-01' });
    spec.users.push(
      // Inactive, with an idle Copilot seat and a suite the E5 covers: reclaiming supersedes both offers.
      { id: 'u-kim', upn: 'kim@crafted.test', department: 'Sales', licenses: [old(SKU.E5), old(SKU.O365E3), old(SKU.COPILOT)], activity: { exchange: '2025-11-01' } },
      // Mail only, E3 on top of E5: removing the redundant E3 supersedes downgrading it.
      { id: 'u-max', upn: 'max@crafted.test', department: 'Sales', licenses: [old(SKU.E5), old(SKU.E3)], activity: { exchange: '2026-05-15', outlook: '2026-05-15' } },
    );
    const prices = path.join(root, 'precedence-prices.csv');
    writeFileSync(
      prices,
      [
        'sku_part_number,currency,unit_price_monthly,billing,effective_from,effective_to,tenant',
        ...['SPE_E5,57.00', 'ENTERPRISEPACK,23.00', 'SPE_E3,40.00', 'Microsoft_365_Copilot,30.00', 'EXCHANGESTANDARD,4.00'].map(
          (p) => `${p.replace(',', ',USD,')},annual,2026-01-01,,${TENANT}`,
        ),
      ].join('\n'),
    );
    await importPrices(precedenceWork, prices);
    await loadStagingDir({ historyDays: 0, workDbPath: precedenceWork, stagingDir: writeTenant(path.join(root, 'p'), spec) });
  }, 60_000);

  it('counts a seat under one kind: what a reclaim or an overlap supersedes is left out', async () => {
    // Every offer before precedence, from the views savings_opportunities reads.
    const offers = await queryWork(
      precedenceWork,
      `WITH reclaimed AS (SELECT DISTINCT user_id FROM savings_opportunities WHERE kind IN ('reclaim_inactive', 'reclaim_disabled'))
       SELECT 'copilot_idle' AS kind, user_id, sku_part_number AS sku, user_id IN (SELECT user_id FROM reclaimed) AS reclaimed FROM copilot_idle_seats
       UNION ALL SELECT 'remove_overlap', user_id, redundant_sku_part_number, user_id IN (SELECT user_id FROM reclaimed) FROM overlapping_licenses
       UNION ALL SELECT DISTINCT 'downgrade', user_id, sku_part_number, user_id IN (SELECT user_id FROM reclaimed) FROM internal.rightsizing_matches WHERE monthly_saving > 0`,
    );
    const listed = await queryWork(precedenceWork, `SELECT kind, user_id, sku_part_number FROM savings_opportunities WHERE user_id IS NOT NULL`);
    const key = (o: Record<string, unknown>) => `${String(o.user_id)}|${String(o.sku)}`;
    const overlapped = new Set(offers.filter((o) => o.kind === 'remove_overlap').map(key));
    const superseded = (o: Record<string, unknown>) => o.reclaimed === true || (o.kind === 'downgrade' && overlapped.has(key(o)));
    // Offers of each kind that precedence drops, and offers it keeps.
    expect(offers.filter((o) => o.reclaimed === true).map((o) => o.kind)).toEqual(expect.arrayContaining(['copilot_idle', 'remove_overlap']));
    expect(offers.some((o) => o.kind === 'downgrade' && overlapped.has(key(o)))).toBe(true);
    expect(offers.some((o) => !superseded(o))).toBe(true);
    for (const o of offers) {
      const shown = listed.some((l) => l.kind === o.kind && l.user_id === o.user_id && l.sku_part_number === o.sku);
      expect(shown, `${String(o.kind)} of ${String(o.user_id)}`).toBe(!superseded(o));
    }
  });
});
