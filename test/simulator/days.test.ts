// `sim --day N`: a deterministic next day of the same tenant, seen through Graph (users walk, usage report).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { SimClient } from './helpers';

type Page = { value: Record<string, unknown>[]; '@odata.nextLink'?: string };

async function walk(c: SimClient, sim: SimulatorHandle): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  let url: string | undefined = `${sim.graphUrl}/v1.0/users?$select=id,userPrincipalName,accountEnabled,createdDateTime,assignedLicenses&$top=999`;
  while (url) {
    const p = (await c.fetch(url)).json() as Page;
    for (const u of p.value) out.set(u.id as string, u);
    url = p['@odata.nextLink'];
  }
  return out;
}

async function reportRows(c: SimClient): Promise<Map<string, string[]>> {
  const { download } = await c.report(`/v1.0/reports/getOffice365ActiveUserDetail(period='D7')`);
  const lines = download.text.replace(/^\uFEFF/, '').trim().split('\n').slice(1);
  // UPN is the second column; UPNs contain no commas.
  return new Map(lines.map((l) => [l.split(',')[1]!, l.split(',')]));
}

describe('simulator days', () => {
  const sims: SimulatorHandle[] = [];
  const clients: SimClient[] = [];
  const open = async (day: number, churn?: Record<string, number>) => {
    const sim = await startSimulator({ users: 3000, seed: 9, today: '2026-11-01', day, churn });
    const c = new SimClient(sim);
    await c.login();
    sims.push(sim);
    clients.push(c);
    return { sim, c };
  };
  let day0: Map<string, Record<string, unknown>>;
  let day20: Map<string, Record<string, unknown>>;
  let d20: { sim: SimulatorHandle; c: SimClient };
  beforeAll(async () => {
    const d0 = await open(0);
    d20 = await open(20, { hires: 0.002, leavers: 0.002, licenceChanges: 0.003, disabled: 0.001 });
    day0 = await walk(d0.c, d0.sim);
    day20 = await walk(d20.c, d20.sim);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const s of sims) await s.close();
  });

  it('day N has hires, leavers, licence changes and disabled accounts, at about the configured shares', () => {
    const hires = [...day20.keys()].filter((id) => !day0.has(id));
    const leavers = [...day0.keys()].filter((id) => !day20.has(id));
    const kept = [...day0.keys()].filter((id) => day20.has(id));
    const licences = (u: Record<string, unknown>) => JSON.stringify(u.assignedLicenses);
    const changed = kept.filter((id) => licences(day0.get(id)!) !== licences(day20.get(id)!));
    const disabled = kept.filter((id) => day0.get(id)!.accountEnabled === true && day20.get(id)!.accountEnabled === false);
    expect(hires).toHaveLength(6 * 20); // 0.002 x 3000 per day
    for (const id of hires) expect(String(day20.get(id)!.createdDateTime) > '2026-11-01').toBe(true);
    // 20 days at 0.002 of 3000: about 120 leavers (binomial), likewise licence changes and disabled accounts.
    expect(leavers.length).toBeGreaterThan(70);
    expect(leavers.length).toBeLessThan(180);
    expect(changed.length).toBeGreaterThan(100);
    expect(disabled.length).toBeGreaterThan(25);
    expect(d20.sim.state.today).toBe('2026-11-21');
  });

  it('is deterministic: the same day of the same seed is the same tenant', async () => {
    const again = await open(20, { hires: 0.002, leavers: 0.002, licenceChanges: 0.003, disabled: 0.001 });
    const users = await walk(again.c, again.sim);
    expect([...users.entries()]).toEqual([...day20.entries()]);
  });

  it('leavers show as deleted in the reports for 30 days, then are gone; refresh dates follow the day', async () => {
    const rows = await reportRows(d20.c);
    const refresh = '2026-11-19';
    for (const r of rows.values()) expect(r[0]).toBe(refresh);
    const leftUpns = [...day0.values()].filter((u) => !day20.has(u.id as string)).map((u) => u.userPrincipalName as string);
    const deleted = leftUpns.filter((upn) => rows.get(upn)?.[3] === 'True');
    // Everyone who left up to the refresh date shows as deleted; those who left in the last two days not yet.
    expect(deleted.length).toBeGreaterThan(leftUpns.length * 0.8);
    for (const upn of deleted) expect(rows.get(upn)![4]! <= refresh).toBe(true);
    const later = await open(60, { hires: 0.002, leavers: 0.002, licenceChanges: 0.003, disabled: 0.001 });
    const laterRows = await reportRows(later.c);
    // Who left by day 20 left more than 30 days before day 60's refresh: gone from the report.
    for (const upn of deleted) expect(laterRows.has(upn)).toBe(false);
  });
});
