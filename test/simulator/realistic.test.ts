import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROLES, parseProfile, parseTenants, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/index';
import { latencyMs } from '../../src/simulator/throttling';
import { SimClient } from '../support/simulator-client';

const SELECT = '$select=id,userPrincipalName,assignedLicenses';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let open: Array<{ sim: SimulatorHandle; c: SimClient }> = [];
async function realistic(limits: string, opts: Partial<SimulatorOptions> = {}): Promise<{ sim: SimulatorHandle; c: SimClient }> {
  const sim = await startSimulator({
    users: 1200,
    seed: 3,
    today: '2025-06-10',
    profile: 'realistic',
    timeScale: 0.01,
    limits: `latencyBaseMs=0,latencyPerRowMs=0,reportLatencyMs=0,${limits}`,
    ...opts,
  });
  const c = new SimClient(sim);
  await c.login();
  open.push({ sim, c });
  return { sim, c };
}
afterEach(async () => {
  for (const o of open) {
    await o.c.close();
    await o.sim.close();
  }
  open = [];
});

describe('realistic profile settings', () => {
  it("defaults to Microsoft's published numbers and rejects unknown or bad limits", () => {
    const p = parseProfile('realistic', 0.01, 'signInPerMinApp=20');
    expect(p.limits).toMatchObject({ tenantRuLarge: 8000, appRu: 150_000, signInPerMinTenant: 10, signInPerMinApp: 20, reportCsvPer10Min: 14, maxTop: 999, signInMaxTop: 500 });
    expect(() => parseProfile('fast')).toThrow(/unknown profile/);
    expect(() => parseProfile('realistic', 0)).toThrow(/time scale/);
    expect(() => parseProfile('realistic', 1, 'nope=1')).toThrow(/unknown limit "nope"/);
    expect(() => parseProfile('realistic', 1, 'appRu=-1')).toThrow(/non-negative/);
  });
  it('latencies are log-normal around the median with the configured tail', () => {
    expect(latencyMs(1000, 1, 0.3, 0.7)).toBe(1000);
    // z = 2.326 (the 99th percentile) gives median × tail.
    const z99 = (u2: number) => latencyMs(1000, 3, Math.exp(-(2.326 ** 2) / 2), u2);
    expect(z99(0)).toBeCloseTo(3000, -1);
  });
});

describe('realistic profile on the wire', () => {
  it("identity RU bucket per app and tenant: costs, usage headers above 80%, then 429 with Microsoft's headers", async () => {
    // Real time (scale 1): the 10 s window must not refill noticeably between these requests.
    const { c } = await realistic('tenantRuLarge=10,retryAfterShare=1', { timeScale: 1 });
    // Small pages answer in milliseconds, so the bucket barely refills during the test.
    const first = await c.graph(`/v1.0/users?${SELECT}&$top=20`);
    expect(first.status).toBe(200);
    expect(first.headers['x-ms-resource-unit']).toBe('1'); // GET users 2 RU, 1 with $select
    expect(first.headers['x-ms-throttle-limit-percentage']).toBeUndefined();
    const noSelect = await c.graph('/v1.0/users?$top=20');
    expect(noSelect.headers['x-ms-resource-unit']).toBe('2');
    for (let i = 0; i < 5; i++) await c.graph(`/v1.0/users?${SELECT}&$top=20`);
    const ninth = await c.graph(`/v1.0/users?${SELECT}&$top=20`);
    expect(Number(ninth.headers['x-ms-throttle-limit-percentage'])).toBeGreaterThan(0.8); // 9 of 10 RU used
    const skus = await c.graph('/v1.0/subscribedSkus');
    expect(skus.status).toBe(429); // 3 RU, only 1 left
    expect(skus.headers['x-ms-throttle-scope']).toMatch(/^Tenant_Application\/ReadWrite\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
    expect(skus.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');
    const wait = Number(skus.headers['retry-after']);
    expect(wait).toBeGreaterThan(1); // 2 RU short at 10 RU per 10 s
    expect(wait).toBeLessThanOrEqual(2);
    expect((skus.json() as { error: { code: string } }).error.code).toBe('TooManyRequests');
  });

  it('429 without Retry-After when the profile says so', async () => {
    // A 10-second window in real time: the second call meets the empty bucket however slow the machine is.
    const { c } = await realistic('tenantRuLarge=1,retryAfterShare=0', { timeScale: 1 });
    expect((await c.graph(`/v1.0/users?${SELECT}`)).status).toBe(200);
    const r = await c.graph(`/v1.0/users?${SELECT}`);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.headers['x-ms-throttle-scope']).toBeDefined();
  });

  it("signInActivity: its own per-minute limit, and $top above 500 (or 999) answered with Graph's error", async () => {
    const { sim, c } = await realistic('signInPerMinTenant=2,retryAfterShare=1', { roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'], timeScale: 0.1 });
    const url = '/v1.0/users?$select=id,signInActivity&$top=5';
    expect((await c.graph(url)).status).toBe(200);
    expect((await c.graph(url)).status).toBe(200);
    const third = await c.graph(url);
    expect(third.status).toBe(429);
    expect(third.headers['x-ms-throttle-scope']).toMatch(/^Tenant_Application\/Read\//);
    // Pages without signInActivity are not held back by it.
    expect((await c.graph(`/v1.0/users?${SELECT}`)).status).toBe(200);
    expect(sim.limiter.throttled.get('signInPerMinTenant')).toBe(1);
    await sleep(Number(third.headers['retry-after']) * 1000 + 20);
    expect((await c.graph(url)).status).toBe(200);
  });

  it("$top above 500 with signInActivity, or above 999, is answered with Graph's error", async () => {
    const { c } = await realistic('', { roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'] });
    const tooBig = await c.graph('/v1.0/users?$select=id,signInActivity&$top=999');
    expect(tooBig.status).toBe(400);
    expect((tooBig.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'Request_BadRequest',
      message: expect.stringMatching(/between 1 and 500/),
    });
    expect((await c.graph(`/v1.0/users?${SELECT}&$top=1000`)).status).toBe(400);
    expect((await c.graph('/v1.0/users?$select=id,signInActivity&$top=500')).status).toBe(200);
  });

  it('skiptokens and report download URLs expire by (simulated) age', async () => {
    // Links live 2 s of real time: long enough to be used at once on a loaded machine, short enough to wait out.
    const { c } = await realistic('skipTokenTtlS=20,downloadTtlS=20', { timeScale: 0.1 });
    const page = (await c.graph(`/v1.0/users?${SELECT}&$top=100`)).json() as { '@odata.nextLink': string };
    const next = page['@odata.nextLink'].replace(/^https:\/\/[^/]+/, '');
    expect((await c.graph(next)).status).toBe(200);
    await sleep(3000); // 30 simulated seconds
    const old = await c.graph(next);
    expect(old.status).toBe(400);
    expect((old.json() as { error: { code: string } }).error.code).toBe('Directory_ExpiredPageToken');
    const redirect = await c.graph("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
    expect(redirect.status).toBe(302);
    await sleep(3000);
    expect((await c.fetch(redirect.headers.location!, { auth: false })).status).toBe(404);
  });

  it('usage reports: CSV requests per report per tenant', async () => {
    const { c } = await realistic('reportCsvPer10Min=2');
    const active = "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')";
    expect((await c.graph(active)).status).toBe(302);
    expect((await c.graph(active)).status).toBe(302);
    expect((await c.graph(active)).status).toBe(429);
    expect((await c.graph("/v1.0/reports/getEmailActivityUserDetail(period='D7')")).status).toBe(302);
  });

  it('latency follows the time scale', async () => {
    const { c } = await realistic('latencyBaseMs=2000,latencyTail=1', { timeScale: 0.03 });
    const t0 = performance.now();
    await c.graph('/v1.0/subscribedSkus');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55); // 2 simulated seconds × 0.03
  });

  it('the instant profile stays unlimited', async () => {
    const sim = await startSimulator({ users: 50, seed: 3, today: '2025-06-10', roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'] });
    const c = new SimClient(sim);
    open.push({ sim, c });
    await c.login();
    for (let i = 0; i < 30; i++) expect((await c.graph('/v1.0/subscribedSkus')).status).toBe(200);
    expect((await c.graph('/v1.0/users?$select=id,signInActivity&$top=999')).status).toBe(200);
  });
});

describe('many tenants behind one app', () => {
  it('parses counts and size distributions, each tenant its own seed', () => {
    expect(parseTenants(undefined, 100, 7)).toEqual([{ users: 100, seed: 7 }]);
    expect(parseTenants(3, 100, 7).map((t) => t.seed)).toEqual([7, 8, 9]);
    const mix = parseTenants('2x300,1x50000', 0, 1);
    expect(mix).toEqual([
      { users: 300, seed: 1 },
      { users: 300, seed: 2 },
      { users: 50000, seed: 3 },
    ]);
    expect(() => parseTenants('3xfoo', 1, 1)).toThrow(/COUNTxUSERS/);
  });

  it("routes by tenant, keeps each tenant's data apart, and shares the per-app buckets", async () => {
    const sim = await startSimulator({
      users: 0,
      seed: 20,
      today: '2025-06-10',
      tenants: '1x30,1x700',
      profile: 'realistic',
      timeScale: 1,
      limits: 'latencyBaseMs=0,latencyPerRowMs=0,appRu=5,retryAfterShare=1',
    });
    expect(sim.tenants.map((t) => t.users)).toEqual([30, 700]);
    const [a, b] = sim.tenants;
    const ca = new SimClient(sim);
    const cb = new SimClient(sim);
    open.push({ sim, c: ca }, { sim, c: cb });
    // One app registration: the same client id and secret get a token in each tenant.
    for (const [c, t] of [
      [ca, a!],
      [cb, b!],
    ] as const) {
      const r = await c.tokenRequest(
        { client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
        t.tenantId,
      );
      expect(r.status).toBe(200);
      c.token = (r.json() as { access_token: string }).access_token;
    }
    const count = async (c: SimClient) =>
      ((await c.graph('/v1.0/users?$select=id&$count=true', { headers: { consistencylevel: 'eventual' } })).json() as { '@odata.count': number })['@odata.count'];
    expect(await count(ca)).toBe(30);
    expect(await count(cb)).toBe(700);
    const skus = (await cb.graph('/v1.0/subscribedSkus?$select=accountId')).json() as { value: Array<{ accountId: string }> };
    expect(skus.value[0]!.accountId).toBe(b!.tenantId);
    // 1 + 1 + 2 RU spent of the app's 5 across both tenants: the next 2-RU call is refused at the app scope.
    const r = await ca.graph('/v1.0/subscribedSkus?$select=skuId');
    expect(r.status).toBe(429);
    expect(r.headers['x-ms-throttle-scope']).toMatch(/^Application\/ReadWrite\/[0-9a-f-]{36}$/);
    expect(a!.state.requests('users')).toHaveLength(1);
    expect(b!.state.requests('users')).toHaveLength(1);
  });
});
