// dailySync end to end against the simulator with the money inputs: subscriptions, the Copilot report and
// sign-in activity, with and without AuditLog.Read.All, on a tenant without Entra ID P1/P2, and with concealed
// reports where sign-ins still decide who is inactive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDailySync } from '../../../src/cli/start-daily';
import { readFileSync } from 'node:fs';
import { DEFAULT_ROLES, SKUS } from '../../../src/simulator';
import { tenantSubscriptions } from '../../../src/simulator/subscriptions';
import { DEFAULT_PRICES_CSV } from '../../../src/warehouse';
import { openReadOnly } from '../../../src/warehouse';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient } from '../../support/temporal';
import { daysBefore, todayUtc } from '../../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();
const D = (daysAgo: number): string => daysBefore(TODAY, daysAgo);

const WITH_AUDIT = [...DEFAULT_ROLES, 'AuditLog.Read.All'];

async function q(dbPath: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await openReadOnly(dbPath);
  try {
    return (await db.query(sql)).rows;
  } finally {
    db.close();
  }
}
const n = async (dbPath: string, sql: string): Promise<number> => Number((await q(dbPath, sql))[0]?.n);

describe('dailySync with subscriptions, Copilot and sign-ins', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 1500, seed: 13, today: TODAY, roles: WITH_AUDIT } });
    client = await connectClient();
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });
  const run = async (snapshotDate: string) => (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate }, { taskQueue: p.taskQueue })).result();
  const snap = (d: string) => `tenant_id = '${p.sim?.tenantId}' AND snapshot_date = DATE '${d}'`;

  it('with AuditLog.Read.All: sign-in times, subscriptions (annual, monthly, trial, Warning), Copilot activity and money', async () => {
    const r = await run(D(7));
    expect(r.status).toBe('succeeded');
    expect(r.message).toContain('Sign-in activity loaded');
    const db = p.config.dbPath;
    expect(await n(db, `SELECT count(*)::INT n FROM snapshots WHERE ${snap(D(7))} AND sign_in_loaded`)).toBe(1);
    const withSignIn = await n(db, `SELECT count(*)::INT n FROM users WHERE ${snap(D(7))} AND last_sign_in_at IS NOT NULL`);
    expect(withSignIn).toBeGreaterThan(500);
    // Sign-ins are consistent with activity: nobody's last sign-in is before their last activity in the reports.
    expect(await n(db, `SELECT count(*)::INT n FROM user_last_activity WHERE last_sign_in_date < last_activity_date`)).toBe(0);
    expect(await n(db, `SELECT count(*)::INT n FROM user_last_activity WHERE inactivity_signal <> 'both'`)).toBe(0);

    const subs = await q(db, `SELECT sku_part_number, status, is_trial, total_licenses, next_lifecycle_at::DATE::VARCHAR AS next FROM subscriptions WHERE ${snap(D(7))}`);
    expect(subs.some((s) => s.is_trial === true)).toBe(true);
    expect(subs.some((s) => s.status === 'Warning')).toBe(true);
    const e3 = subs
      .filter((s) => s.sku_part_number === 'SPE_E3')
      .map((s) => String(s.next))
      .sort();
    expect(e3).toHaveLength(2); // the annual commitment and the month-to-month seats
    expect(e3[0]! <= D(-30)).toBe(true);
    // Seats of all subscriptions of a SKU add up to subscribedSkus' prepaid units.
    expect(
      await n(
        db,
        `SELECT count(*)::INT n FROM skus k JOIN (SELECT sku_id, sum(total_licenses) FILTER (WHERE status = 'Enabled') AS e FROM subscriptions
      WHERE ${snap(D(7))} GROUP BY sku_id) s USING (sku_id) WHERE k.snapshot_date = DATE '${D(7)}' AND k.prepaid_enabled <> s.e`,
      ),
    ).toBe(0);

    expect(r.staged.reports).toHaveLength(3);
    const copilotRows = await n(db, `SELECT count(*)::INT n FROM copilot_activity WHERE ${snap(D(7))} AND user_id IS NOT NULL`);
    // The report lags: it lists the holders whose licence was assigned by its refresh date.
    const copilotHolders = await n(
      db,
      `SELECT count(*)::INT n FROM user_licenses WHERE sku_part_number = 'Microsoft_365_Copilot'
      AND last_assignment_change::DATE <= (SELECT max(report_refresh_date) FROM copilot_activity)`,
    );
    expect(copilotRows).toBe(copilotHolders);
    expect(copilotRows).toBeGreaterThan(10);
    expect(await n(db, `SELECT count(*)::INT n FROM copilot_idle_seats`)).toBeGreaterThan(0);

    const spend = await q(db, `SELECT sku_part_number, currency, annual_spend::VARCHAR AS a, paid_seats, next_renewal_date FROM license_spend WHERE sku_part_number = 'SPE_E3'`);
    expect(spend[0]).toMatchObject({ currency: 'USD' });
    expect(Number(spend[0]!.a)).toBe(Number(spend[0]!.paid_seats) * 39 * 12); // July 2026 list price of data/prices.csv
    // The tenant's annual spend, worked out here from the simulator's own seats and the shipped price list (the
    // annual-term row in force on the snapshot date): paid seats = enabled seats minus trial seats.
    const prices = readFileSync(DEFAULT_PRICES_CSV, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter(([, , , billing, from, to]) => billing === 'annual' && from! <= D(7) && (to === '' || D(7) <= to!));
    const trials = tenantSubscriptions(p.sim.state.tenant).filter((x) => x.isTrial);
    let cents = 0;
    SKUS.forEach((sku, k) => {
      const price = prices.find(([part]) => part === sku.skuPartNumber);
      if (!price) return;
      const trial = trials.filter((x) => x.skuPartNumber === sku.skuPartNumber).reduce((a, x) => a + x.totalLicenses, 0);
      cents += (p.sim.state.tenant.prepaid(k).enabled - trial) * Math.round(Number(price[2]) * 100) * 12;
    });
    const total = await q(db, `SELECT sum(annual_spend)::VARCHAR AS s FROM license_spend WHERE currency = 'USD'`);
    expect(total[0]!.s).toBe((cents / 100).toFixed(2));
    const kinds = (await q(db, `SELECT DISTINCT kind FROM savings_opportunities`)).map((x) => x.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['copilot_idle', 'reclaim_disabled', 'reclaim_inactive', 'reduce_unassigned']));
  }, 120_000);

  it('without AuditLog.Read.All the run succeeds from reports only and says once what is missing', async () => {
    p.sim.state.setRoles([...DEFAULT_ROLES]);
    const before = p.sim.requestLog.length;
    try {
      const r = await run(D(6));
      expect(r.status).toBe('succeeded');
      expect(r.message.match(/Sign-in activity/g)).toHaveLength(1);
      expect(r.message).toContain('does not hold AuditLog.Read.All');
      const db = p.config.dbPath;
      expect(await n(db, `SELECT count(*)::INT n FROM users WHERE ${snap(D(6))} AND last_sign_in_at IS NOT NULL`)).toBe(0);
      expect(await n(db, `SELECT count(*)::INT n FROM user_last_activity WHERE inactivity_signal <> 'reports'`)).toBe(0);
      // Without the grant the pipeline does not even ask for signInActivity.
      const users = p.sim.requestLog.slice(before).filter((e) => e.endpoint === 'users');
      expect(users.length).toBeGreaterThan(0);
      expect(users.filter((e) => /signInActivity/.test(e.path))).toEqual([]);
    } finally {
      p.sim.state.setRoles(WITH_AUDIT);
    }
  }, 120_000);

  it('on a tenant without Entra ID P1/P2 Graph refuses signInActivity; the users are read again without it', async () => {
    p.sim.state.premium = false;
    const before = p.sim.requestLog.length;
    try {
      const r = await run(D(5));
      expect(r.status).toBe('succeeded');
      expect(r.message).toContain('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      const users = p.sim.requestLog.slice(before).filter((e) => e.endpoint === 'users');
      expect(users.find((e) => /signInActivity/.test(e.path))?.status).toBe(403);
      expect(users.filter((e) => !/signInActivity/.test(e.path) && e.status === 200).length).toBeGreaterThan(0);
      expect(await n(p.config.dbPath, `SELECT count(*)::INT n FROM snapshots WHERE ${snap(D(5))} AND NOT sign_in_loaded`)).toBe(1);
    } finally {
      p.sim.state.premium = true;
    }
  }, 120_000);

  it('with concealed reports, sign-ins still decide who is inactive, and the candidates say so', async () => {
    p.sim.state.setConcealed(true);
    try {
      const r = await run(D(4));
      expect(r.status).toBe('degraded');
      expect(r.message).toContain('computed from sign-ins');
      const db = p.config.dbPath;
      expect(await n(db, `SELECT count(*)::INT n FROM copilot_activity WHERE ${snap(D(4))}`)).toBe(0);
      expect(
        await n(db, `SELECT count(*)::INT n FROM suspicious_activity WHERE ${snap(D(4))} AND report = 'getMicrosoft365CopilotUsageUserDetail' AND reason = 'concealed'`),
      ).toBeGreaterThan(0);
      const candidates = await q(db, `SELECT inactivity_signal, decided_without_current_reports AS marked, count(*)::INT AS n FROM inactive_licensed_users GROUP BY ALL`);
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) expect(c).toMatchObject({ inactivity_signal: 'both', marked: true });
    } finally {
      p.sim.state.setConcealed(false);
    }
  }, 120_000);
});

describe('a tenant whose reports are concealed from its first run', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 400, seed: 31, today: TODAY, roles: WITH_AUDIT, faults: 'concealed' } });
    client = await connectClient();
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  it('gets its candidates from sign-ins alone (inactivity_signal = sign_in)', async () => {
    const r = await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: D(1) }, { taskQueue: p.taskQueue })).result();
    expect(r.status).toBe('degraded');
    const rows = await q(p.config.dbPath, `SELECT inactivity_signal, decided_without_current_reports AS marked, last_activity_date, days_inactive FROM inactive_licensed_users`);
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row).toMatchObject({ inactivity_signal: 'sign_in', marked: true, last_activity_date: null });
    // Someone who signed in yesterday is no candidate; someone who never signed in is.
    expect(rows.some((x) => x.days_inactive === null)).toBe(true);
    expect(rows.every((x) => x.days_inactive === null || Number(x.days_inactive) >= 90)).toBe(true);
  }, 120_000);
});
