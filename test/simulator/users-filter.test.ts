// The simulator's /users $filter by UPN prefix and /users/$count, as Graph answers them (docs/graph.md, "Sharded walk").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { SimClient } from '../support/simulator-client';

interface Page {
  value: Array<{ id: string; userPrincipalName: string }>;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

const EVENTUAL = { headers: { consistencylevel: 'eventual' } };
const filterOf = (c: string): string => `$filter=${encodeURIComponent(`startswith(userPrincipalName,'${c}')`)}`;

async function walk(c: SimClient, query: string): Promise<{ users: Page['value']; pages: string[] }> {
  let url: string | undefined = `${c.sim.graphUrl}/v1.0/users?${query}`;
  const users: Page['value'] = [];
  const pages: string[] = [];
  while (url) {
    pages.push(url);
    const r = await c.fetch(url);
    expect(r.status, r.text).toBe(200);
    const p = r.json() as Page;
    users.push(...p.value);
    url = p['@odata.nextLink'];
  }
  return { users, pages };
}

describe('users filtered by UPN prefix, and $count', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 3000, seed: 231, today: '2025-06-10', underscoreUpns: 0.01 });
    c = new SimClient(sim);
    await c.login();
  });
  afterAll(async () => {
    await c?.close();
    await sim?.close();
  });

  it('each prefix pages only its users, the next links keep the filter, and the prefixes together are everyone', async () => {
    const all = await walk(c, '$select=id,userPrincipalName&$top=999');
    expect(all.users).toHaveLength(3000);
    const firstChars = [...new Set(all.users.map((u) => u.userPrincipalName[0]!.toLowerCase()))].sort();
    expect(firstChars).toContain('_'); // the tenant option: a few service-account style UPNs
    const seen = new Set<string>();
    for (const ch of firstChars) {
      const shard = await walk(c, `$select=id,userPrincipalName&$top=50&${filterOf(ch)}`);
      for (const u of shard.users) {
        expect(u.userPrincipalName.toLowerCase().startsWith(ch)).toBe(true);
        expect(seen.has(u.id)).toBe(false);
        seen.add(u.id);
      }
      for (const next of shard.pages.slice(1)) expect(decodeURIComponent(next)).toContain(`startswith(userPrincipalName,'${ch}')`);
      const counted = await c.graph(`/v1.0/users/$count?${filterOf(ch)}`, EVENTUAL);
      expect(Number(counted.text)).toBe(shard.users.length);
    }
    expect(seen.size).toBe(3000);
    // Case-insensitive, and a longer prefix narrows it.
    const upper = await walk(c, `$select=id,userPrincipalName&$top=999&${filterOf(firstChars.at(-1)!.toUpperCase())}`);
    expect(upper.users.length).toBeGreaterThan(0);
    const two = all.users[0]!.userPrincipalName.slice(0, 2);
    const narrowed = await walk(c, `$select=id,userPrincipalName&$top=999&${filterOf(two)}`);
    expect(narrowed.users.map((u) => u.id)).toEqual(all.users.filter((u) => u.userPrincipalName.toLowerCase().startsWith(two)).map((u) => u.id));
  });

  it('/users/$count answers text/plain with ConsistencyLevel: eventual, and 400 Request_BadRequest without it', async () => {
    const ok = await c.graph('/v1.0/users/$count', EVENTUAL);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.text).toBe('3000');
    const refused = await c.graph('/v1.0/users/$count');
    expect(refused.status).toBe(400);
    expect((refused.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'Request_BadRequest', message: '$count is not currently supported.' });
    // As a query parameter without the header, Graph ignores $count silently.
    const ignored = (await c.graph('/v1.0/users?$count=true&$top=5')).json() as Page;
    expect(ignored['@odata.count']).toBeUndefined();
    expect(ignored.value).toHaveLength(5);
    const counted = (await c.graph(`/v1.0/users?$count=true&$top=5&${filterOf('a')}`, EVENTUAL)).json() as Page;
    expect(counted['@odata.count']).toBe(Number((await c.graph(`/v1.0/users/$count?${filterOf('a')}`, EVENTUAL)).text));
  });

  it('refuses the filters it does not implement with Graph 400 Request_UnsupportedQuery', async () => {
    for (const f of [
      "endswith(userPrincipalName,'a')",
      "startswith(displayName,'a')",
      "startswith(userPrincipalName,'a') and accountEnabled eq true",
      "startswith(userPrincipalName,'')",
    ]) {
      const r = await c.graph(`/v1.0/users?$filter=${encodeURIComponent(f)}`);
      expect(r.status, f).toBe(400);
      expect((r.json() as { error: { code: string } }).error.code).toBe('Request_UnsupportedQuery');
    }
    expect((await c.graph(`/v1.0/users/$count?$filter=${encodeURIComponent("endswith(mail,'x')")}`, EVENTUAL)).status).toBe(400);
  });

  it("an expired skip token invalidates that filter's links only", async () => {
    const first = (await c.graph(`/v1.0/users?$select=id&$top=20&${filterOf('a')}`)).json() as Page;
    const other = (await c.graph(`/v1.0/users?$select=id&$top=20&${filterOf('m')}`)).json() as Page;
    sim.state.setFaults('users:expired:times=1');
    try {
      const expired = await c.fetch(first['@odata.nextLink']!);
      expect(expired.status).toBe(400);
      expect((expired.json() as { error: { code: string } }).error.code).toBe('Directory_ExpiredPageToken');
      // The same link stays dead; the other filter's link still works.
      expect((await c.fetch(first['@odata.nextLink']!)).status).toBe(400);
      expect((await c.fetch(other['@odata.nextLink']!)).status).toBe(200);
    } finally {
      sim.state.setFaults('');
    }
  });
});

describe('a later simulated day', () => {
  it('the prefixes still cover exactly the users of /users: leavers gone, hires in', async () => {
    const sim = await startSimulator({ users: 2000, seed: 233, today: '2025-06-10', day: 3, churn: 'hiresPerDay=0.01,leaversPerDay=0.01' });
    const c = new SimClient(sim);
    try {
      await c.login();
      const all = (await walk(c, '$select=id,userPrincipalName&$top=999')).users.map((u) => u.id).sort();
      expect(all).toHaveLength(sim.state.liveCount);
      const chars = [...new Set((await walk(c, '$select=userPrincipalName&$top=999')).users.map((u) => u.userPrincipalName[0]!.toLowerCase()))];
      const union: string[] = [];
      for (const ch of chars) union.push(...(await walk(c, `$select=id&$top=999&${filterOf(ch)}`)).users.map((u) => u.id));
      expect(union.sort()).toEqual(all);
      expect(Number((await c.graph('/v1.0/users/$count', EVENTUAL)).text)).toBe(all.length);
    } finally {
      await c.close();
      await sim.close();
    }
  });
});

describe('the realistic profile charges filtered pages and $count', () => {
  it('a filtered page with $select costs 1 RU, /users/$count 2 (charged as GET users)', async () => {
    const sim = await startSimulator({
      users: 800,
      seed: 232,
      today: '2025-06-10',
      profile: 'realistic',
      timeScale: 0.01,
      limits: 'latencyBaseMs=0,latencyPerRowMs=0,reportLatencyMs=0',
    });
    const c = new SimClient(sim);
    try {
      await c.login();
      const page = await c.graph(`/v1.0/users?$select=id&$top=999&${filterOf('a')}`);
      expect(page.status).toBe(200);
      expect(page.headers['x-ms-resource-unit']).toBe('1');
      const count = await c.graph('/v1.0/users/$count', EVENTUAL);
      expect(count.status).toBe(200);
      expect(count.headers['x-ms-resource-unit']).toBe('2');
    } finally {
      await c.close();
      await sim.close();
    }
  });
});
