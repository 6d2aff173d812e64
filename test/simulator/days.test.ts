// A tenant that moves through days: day N of the same seed is deterministic, and day N+1 differs from day N by
// hires, leavers, licence changes, disabled accounts and activity that only moves forward (days.ts).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, formatDay } from '../../src/simulator/dates';
import { ChurnSpecError, DEFAULT_CHURN, hiresThrough, parseChurn, type Churn } from '../../src/simulator/days';
import { startSimulator, SKUS, type SimulatorHandle } from '../../src/simulator/index';
import { assignedSkuIndexes, toAssignedLicenses } from '../../src/simulator/licences';
import { ACTIVE_USER_COLUMNS, reportIndexCount, reportRow } from '../../src/simulator/report-rows';
import { Tenant } from '../../src/simulator/tenant';
import { SimClient } from '../support/simulator-client';

const TODAY = '2026-01-15';
// High churn so a small tenant shows every kind of change each day.
const CHURN: Partial<Churn> = { hiresPerDay: 0.01, leaversPerDay: 0.01, licenceChangesPerDay: 0.02, disabledPerDay: 0.005 };
const tenantOn = (day: number, seed = 3, users = 2000, churn: Partial<Churn> = CHURN): Tenant =>
  new Tenant({ seed, userCount: users, todayDay: dayOf(TODAY), domain: 'contoso.test', day, churn });

interface LiveUser {
  id: string;
  upn: string;
  enabled: boolean;
  created: string | null;
  skus: number[];
}
function liveUsers(t: Tenant): Map<string, LiveUser> {
  const out = new Map<string, LiveUser>();
  for (let i = 0; i < t.indexLimit; i++) {
    if (!t.isLive(i)) continue;
    const u = t.userAt(i);
    out.set(u.id, { id: u.id, upn: u.userPrincipalName, enabled: u.accountEnabled, created: u.createdDateTime, skus: assignedSkuIndexes(t.licenses(i)).sort() });
  }
  return out;
}

type Row = Record<string, string | boolean | null | string[] | number>;
type Cell = NonNullable<ReturnType<typeof reportRow>>[number];
function reportRows(t: Tenant, refreshDay = t.currentDay - 2): Map<string, Row> {
  const out = new Map<string, Row>();
  for (let i = 0; i < reportIndexCount(t); i++) {
    const r = reportRow(t, 'getOffice365ActiveUserDetail', i, refreshDay, 30, false);
    if (r) out.set(r[1] as string, Object.fromEntries(ACTIVE_USER_COLUMNS.map((c, k) => [c, r[k]!])));
  }
  return out;
}

function fingerprint(t: Tenant): string {
  return createHash('sha256')
    .update(JSON.stringify([[...liveUsers(t).values()], [...reportRows(t).values()], Array.from(t.consumed())]))
    .digest('hex');
}

const ACTIVITY = ACTIVE_USER_COLUMNS.filter((c) => c.endsWith('Last Activity Date'));
const LICENSED = ACTIVE_USER_COLUMNS.filter((c) => /^Has .* License$/.test(c));

describe('simulated days', () => {
  it('the same seed and day give identical output; another day or seed does not', () => {
    const a = fingerprint(tenantOn(7));
    expect(fingerprint(tenantOn(7))).toBe(a);
    expect(fingerprint(tenantOn(8))).not.toBe(a);
    expect(fingerprint(tenantOn(7, 4))).not.toBe(a);
  });

  it('day 0 ignores churn: it is the generated tenant', () => {
    expect(fingerprint(tenantOn(0, 3, 2000, CHURN))).toBe(fingerprint(new Tenant({ seed: 3, userCount: 2000, todayDay: dayOf(TODAY), domain: 'contoso.test' })));
  });

  describe('day N+1 against day N', () => {
    const N = 6;
    const before = tenantOn(N);
    const after = tenantOn(N + 1);
    const u0 = liveUsers(before);
    const u1 = liveUsers(after);

    it('hires appear, created on the new day, as many as the share says', () => {
      const hired = [...u1.values()].filter((u) => !u0.has(u.id));
      const expected = hiresThrough(2000, parseChurn(CHURN), N + 1) - hiresThrough(2000, parseChurn(CHURN), N);
      expect(expected).toBe(20);
      expect(hired).toHaveLength(expected);
      for (const h of hired) expect(h.created?.slice(0, 10)).toBe(formatDay(dayOf(TODAY) + N + 1));
      expect(new Set([...u1.values()].map((u) => u.upn.toLowerCase())).size).toBe(u1.size);
      expect(after.liveCount).toBe(u1.size);
    });

    it('leavers disappear from /users and cannot be looked up; their report rows say Is Deleted, then go', () => {
      const left = [...u0.values()].filter((u) => !u1.has(u.id));
      expect(left.length).toBeGreaterThan(5);
      for (const l of left.slice(0, 5)) {
        expect(after.indexOfId(l.id)).toBe(-1);
        expect(after.indexOfUpn(l.upn)).toBe(-1);
        expect(before.indexOfId(l.id)).toBeGreaterThanOrEqual(0);
      }
      // Reports lag two days: the leave of day N+1 shows in the report of day N+3 and is gone 30 days later.
      const upn = left[0]!.upn;
      const shown = reportRows(tenantOn(N + 3)).get(upn)!;
      expect(shown['Is Deleted']).toBe(true);
      expect(shown['Deleted Date']).toBe(formatDay(dayOf(TODAY) + N + 1));
      expect(reportRows(tenantOn(N + 2)).get(upn)!['Is Deleted']).toBe(false);
      expect(reportRows(tenantOn(N + 3 + 29)).get(upn)?.['Is Deleted']).toBe(true);
      expect(reportRows(tenantOn(N + 3 + 30)).has(upn)).toBe(false);
    });

    it('licence changes show in /users and subscribedSkus consumedUnits stays the count of holders', () => {
      const changed = [...u1.values()].filter((u) => u0.has(u.id) && u0.get(u.id)!.skus.join() !== u.skus.join());
      expect(changed.length).toBeGreaterThan(10);
      for (const t of [before, after]) {
        const counts = new Array<number>(SKUS.length).fill(0);
        for (const u of liveUsers(t).values()) for (const s of u.skus) counts[s]!++;
        expect(Array.from(t.consumed())).toEqual(counts);
      }
      expect(Array.from(after.consumed())).not.toEqual(Array.from(before.consumed()));
    });

    it('accounts get disabled, and stay disabled', () => {
      const disabled = [...u1.values()].filter((u) => u0.get(u.id)?.enabled === true && !u.enabled);
      expect(disabled.length).toBeGreaterThan(0);
      const later = liveUsers(tenantOn(N + 5));
      for (const d of disabled) if (later.has(d.id)) expect(later.get(d.id)!.enabled).toBe(false);
    });

    it('the refresh date advances by one day and activity dates never move backwards', () => {
      const r0 = reportRows(before);
      const r1 = reportRows(after);
      const refresh0 = [...r0.values()][0]!['Report Refresh Date'] as string;
      expect(refresh0).toBe(formatDay(dayOf(TODAY) + N - 2));
      for (const r of r1.values()) expect(r['Report Refresh Date']).toBe(formatDay(dayOf(TODAY) + N - 1));
      let advanced = 0;
      let continuing = 0;
      for (const [upn, a] of r0) {
        const b = r1.get(upn);
        if (!b || a['Is Deleted'] || b['Is Deleted']) continue;
        continuing++;
        for (const c of ACTIVITY) {
          const x = a[c] as string | null;
          const y = b[c] as string | null;
          if (x !== null) expect(y !== null && y >= x, `${upn} ${c}: ${x} -> ${y}`).toBe(true);
          // A date only moves to a day the user was active on: the one new day the report covers.
          if (y !== x) expect(y, `${upn} ${c}: ${x} -> ${y}`).toBe(b['Report Refresh Date']);
          if (y !== null && (x === null || y > x)) advanced++;
          if (y !== null) expect(y <= (b['Report Refresh Date'] as string)).toBe(true);
        }
      }
      expect(continuing).toBeGreaterThan(1900);
      expect(advanced).toBeGreaterThan(500);
    });

    it('about activeShare of recently active users are active on the refresh day', () => {
      const r1 = reportRows(after);
      const refresh = formatDay(after.currentDay - 2);
      const rows = [...r1.values()].filter((r) => !r['Is Deleted']);
      const recent = rows.filter((r) => ACTIVITY.some((c) => r[c] !== null && (r[c] as string) >= formatDay(dayOf(TODAY) - 2 - 29)));
      const today = recent.filter((r) => ACTIVITY.some((c) => r[c] === refresh));
      expect(today.length / recent.length).toBeGreaterThan(0.45);
      expect(today.length / recent.length).toBeLessThan(0.7);
    });
  });

  describe('long-inactive people return (returnsPerDay)', () => {
    const M = 12; // the report of day 12 covers evolution days 1..10
    const RETURNS = { ...CHURN, licenceChangesPerDay: 0, returnsPerDay: 0.01 };
    const day0 = tenantOn(0);
    const refresh0 = day0.currentDay - 2;
    const since = formatDay(refresh0 - 29);
    const dates = (r: Cell[]) => ACTIVITY.map((c) => r[ACTIVE_USER_COLUMNS.indexOf(c)] as string | null);
    // Day-0 users with no activity in the 30 days before day 0, by kind of account (accounts created within those
    // days show no activity before their creation, but are not long-inactive).
    const longInactive = (pred: (u: ReturnType<Tenant['userAt']>) => boolean): number[] => {
      const out: number[] = [];
      for (let i = 0; i < day0.userCount; i++) {
        const r = reportRow(day0, 'getOffice365ActiveUserDetail', i, refresh0, 30, false);
        if (!r || r[3] || day0.profile(i).createdDay > refresh0 - 30 || !pred(day0.userAt(i))) continue;
        if (dates(r).every((d) => d === null || d < since)) out.push(i);
      }
      return out;
    };
    const returnedBy = (t: Tenant, ids: number[]) =>
      ids.filter((i) => {
        const r = reportRow(t, 'getOffice365ActiveUserDetail', i, t.currentDay - 2, 30, false);
        return r && !r[3] && dates(r).some((d) => d !== null && d > formatDay(refresh0));
      });

    it('about returnsPerDay of the long-inactive enabled people come back per day, active on a day they returned', () => {
      const people = longInactive((u) => u.accountEnabled && (u.kind === 'member' || u.kind === 'guest'));
      expect(people.length).toBeGreaterThan(200);
      const t = tenantOn(M, 3, 2000, RETURNS);
      const back = returnedBy(t, people);
      // 10 evolution days at 1% a day: about 10% (minus the few who left or were disabled first).
      expect(back.length / people.length).toBeGreaterThan(0.05);
      expect(back.length / people.length).toBeLessThan(0.15);
      for (const i of back) {
        const r = reportRow(t, 'getOffice365ActiveUserDetail', i, t.currentDay - 2, 30, false)!;
        const newest = dates(r)
          .filter((d) => d !== null)
          .sort()
          .pop()!;
        // Active on a licensed service, on a day the report covers.
        expect(newest > formatDay(refresh0) && newest <= formatDay(t.currentDay - 2)).toBe(true);
        // Active on the services licensed on the return day (no licence changes here, so today's) or used before.
        const before = dates(reportRow(day0, 'getOffice365ActiveUserDetail', i, refresh0, 30, false)!);
        const on = ACTIVITY.map((c, s) => (r[ACTIVE_USER_COLUMNS.indexOf(c)] === newest ? s : -1)).filter((s) => s >= 0);
        for (const s of on) expect(r[ACTIVE_USER_COLUMNS.indexOf(LICENSED[s]!)] === true || before[s] !== null).toBe(true);
        expect(on.some((s) => r[ACTIVE_USER_COLUMNS.indexOf(LICENSED[s]!)] === true)).toBe(true);
      }
      // A returner stays back: a later day still shows activity after day 0.
      expect(returnedBy(tenantOn(M + 3, 3, 2000, RETURNS), back)).toEqual(back);
      // Deterministic, and 0 keeps every inactive user inactive.
      expect(returnedBy(tenantOn(M, 3, 2000, RETURNS), people)).toEqual(back);
      expect(returnedBy(tenantOn(M, 3, 2000, { ...CHURN, returnsPerDay: 0 }), people)).toEqual([]);
    });

    it('disabled accounts, shared mailboxes and rooms never return', () => {
      const others = longInactive((u) => !u.accountEnabled || (u.kind !== 'member' && u.kind !== 'guest'));
      expect(others.length).toBeGreaterThan(50);
      expect(returnedBy(tenantOn(M, 3, 2000, { ...RETURNS, returnsPerDay: 1 }), others)).toEqual([]);
    });
  });

  it('churn specs: JSON, key=value, defaults, and a clear error', () => {
    expect(parseChurn(undefined)).toEqual(DEFAULT_CHURN);
    expect(parseChurn('{"hiresPerDay":0.02}').hiresPerDay).toBe(0.02);
    expect(parseChurn('leaversPerDay=0.003, activeShare=0.5')).toMatchObject({ leaversPerDay: 0.003, activeShare: 0.5, hiresPerDay: 0.001 });
    expect(parseChurn('returnsPerDay=0.02')).toMatchObject({ returnsPerDay: 0.02, leaversPerDay: 0.001 });
    expect(() => parseChurn('hires=0.1')).toThrow(ChurnSpecError);
    expect(() => parseChurn({ leaversPerDay: 2 })).toThrow(/in \[0,1\]/);
  });
});

describe('simulated day over HTTPS', () => {
  let sims: SimulatorHandle[];
  let clients: SimClient[];
  beforeAll(async () => {
    sims = await Promise.all([10, 11].map((day) => startSimulator({ users: 2000, seed: 3, today: TODAY, day, churn: CHURN })));
    clients = sims.map((s) => new SimClient(s));
    await Promise.all(clients.map((c) => c.login()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.close()));
  });

  async function allUsers(c: SimClient): Promise<{ count: number; users: Array<{ id: string; accountEnabled: boolean; assignedLicenses: Array<{ skuId: string }> }> }> {
    let url: string | undefined = `${c.sim.graphUrl}/v1.0/users?$select=id,accountEnabled,assignedLicenses&$top=999&$count=true`;
    const users: Array<{ id: string; accountEnabled: boolean; assignedLicenses: Array<{ skuId: string }> }> = [];
    let count = -1;
    while (url) {
      const page = (await c.fetch(url, { headers: { consistencylevel: 'eventual' } })).json() as { value: typeof users; '@odata.nextLink'?: string; '@odata.count'?: number };
      if (page['@odata.count'] !== undefined) count = page['@odata.count'];
      users.push(...page.value);
      url = page['@odata.nextLink'];
    }
    return { count, users };
  }

  it('/users, subscribedSkus and the report follow the day', async () => {
    const [d10, d11] = await Promise.all(clients.map(allUsers));
    for (const [k, d] of [d10!, d11!].entries()) {
      expect(d.users).toHaveLength(d.count);
      expect(new Set(d.users.map((u) => u.id)).size).toBe(d.count);
      const skus = (await clients[k]!.graph('/v1.0/subscribedSkus')).json() as { value: Array<{ skuId: string; consumedUnits: number }> };
      const held = new Map<string, number>();
      for (const u of d.users) for (const l of u.assignedLicenses) held.set(l.skuId, (held.get(l.skuId) ?? 0) + 1);
      for (const s of skus.value) expect(s.consumedUnits, s.skuId).toBe(held.get(s.skuId) ?? 0);
      const { download } = await clients[k]!.report("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
      const first = download.text.split('\r\n')[1]!;
      expect(first.slice(0, 10)).toBe(formatDay(dayOf(TODAY) + 10 + k - 2));
    }
    const ids10 = new Set(d10!.users.map((u) => u.id));
    const ids11 = new Set(d11!.users.map((u) => u.id));
    expect([...ids11].filter((id) => !ids10.has(id))).toHaveLength(20);
    expect([...ids10].filter((id) => !ids11.has(id)).length).toBeGreaterThan(5);
    const one = tenantOn(11);
    const sample = d11!.users[1234]!;
    expect(sample.assignedLicenses.map((l) => l.skuId)).toEqual(toAssignedLicenses(one.licenses(one.indexOfId(sample.id))).map((l) => l.skuId));
  });
});
