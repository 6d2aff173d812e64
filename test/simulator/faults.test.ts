import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultEngine, parseFaults } from '../../src/simulator/faults';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { SimClient } from '../support/simulator-client';

describe('fault spec grammar', () => {
  it('parses rules and flags', () => {
    const s = parseFaults('users:429@0.3:retry=1.5, reports:reset@0.2,token:outage,concealed,stale=10,download:malformed@0.01,users:expired:after=2,skus:slow:ms=50,*:503:times=1');
    expect(s.concealed).toBe(true);
    expect(s.staleDays).toBe(10);
    expect(s.rules.map((r) => [r.endpoint, r.kind, r.status, r.prob])).toEqual([
      ['users', 'status', 429, 0.3],
      ['reports', 'reset', undefined, 0.2],
      ['token', 'outage', 503, 1],
      ['download', 'malformed', undefined, 0.01],
      ['users', 'expired', undefined, 1],
      ['skus', 'slow', undefined, 1],
      ['*', 'status', 503, 1],
    ]);
    expect(s.rules[0]!.retryAfter).toBe('1.5');
    expect(s.rules[4]!.after).toBe(2);
    expect(s.rules[5]!.ms).toBe(50);
  });
  it('rejects bad specs with a message', () => {
    expect(() => parseFaults('nope:429')).toThrow(/unknown endpoint/);
    expect(() => parseFaults('users:teapot')).toThrow(/unknown kind/);
    expect(() => parseFaults('users:429@2')).toThrow(/probability/);
    expect(() => parseFaults('skus:expired')).toThrow(/users only/);
    expect(() => parseFaults('users:429:foo=1')).toThrow(/unknown parameter/);
  });
  it('is deterministic for a seed', () => {
    const run = (seed: number): boolean[] => {
      const e = new FaultEngine(parseFaults('users:429@0.3'), seed);
      return Array.from({ length: 200 }, () => e.decide('users').rule !== undefined);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const hits = run(5).filter(Boolean).length;
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
  });
});

describe('faults observable from a client', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 3000, seed: 11, today: '2025-06-10' });
    c = new SimClient(sim);
    await c.login();
  });
  afterAll(async () => {
    await c.close();
    await sim.close();
  });
  const report = "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')";

  it('429 with integer and fractional Retry-After, then success; the log records the fault', async () => {
    sim.state.setFaults('users:429:times=1:retry=2,skus:429:times=1:retry=0.25');
    const a = await c.graph('/v1.0/users');
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('2');
    expect((a.json() as { error: { code: string; innerError: { status: string } } }).error).toMatchObject({ code: 'TooManyRequests', innerError: { status: '429' } });
    expect((await c.graph('/v1.0/users')).status).toBe(200);
    const b = await c.graph('/v1.0/subscribedSkus');
    expect([b.status, b.headers['retry-after']]).toEqual([429, '0.25']);
    expect((await c.graph('/v1.0/subscribedSkus')).status).toBe(200);
    const logged = sim.state.requests('users').slice(-2);
    expect(logged.map((e) => [e.status, e.fault])).toEqual([
      [429, 'users:429:times=1:retry=2'],
      [200, undefined],
    ]);
  });

  it('503 and 504 in the Graph envelope', async () => {
    sim.state.setFaults('users:503:times=1:retry=1,users:504:times=1');
    const a = await c.graph('/v1.0/users');
    expect([a.status, a.headers['retry-after']]).toEqual([503, '1']);
    expect((a.json() as { error: { code: string } }).error.code).toBe('serviceNotAvailable');
    expect((await c.graph('/v1.0/users')).status).toBe(504);
    expect((await c.graph('/v1.0/users')).status).toBe(200);
  });

  it('connection reset in the middle of a JSON body and of a CSV download', async () => {
    sim.state.setFaults('users:reset:times=1');
    await expect(c.graph('/v1.0/users?$top=999')).rejects.toThrow();
    expect((await c.graph('/v1.0/users?$top=999')).status).toBe(200);
    sim.state.setFaults('download:reset:times=1');
    await expect(c.report(report)).rejects.toThrow();
    const ok = await c.report(report);
    expect(ok.download.status).toBe(200);
    expect(sim.state.requests('download').some((e) => e.fault === 'download:reset:times=1')).toBe(true);
  });

  it('slow first byte', async () => {
    sim.state.setFaults('skus:slow:ms=400');
    const t = performance.now();
    expect((await c.graph('/v1.0/subscribedSkus')).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(380);
  });

  it('expired skiptoken: 400 Directory_ExpiredPageToken, old tokens stay dead, a fresh walk succeeds', async () => {
    sim.state.setFaults('users:expired:after=1');
    const p1 = (await c.graph('/v1.0/users?$top=500')).json() as { '@odata.nextLink': string };
    const p2 = await c.fetch(p1['@odata.nextLink']);
    expect(p2.status).toBe(400);
    expect((p2.json() as { error: { code: string } }).error.code).toBe('Directory_ExpiredPageToken');
    expect((await c.fetch(p1['@odata.nextLink'])).status).toBe(400);
    let url: string | undefined = `${sim.graphUrl}/v1.0/users?$top=500`;
    let n = 0;
    while (url) {
      const r = await c.fetch(url);
      expect(r.status).toBe(200);
      const p = r.json() as { value: unknown[]; '@odata.nextLink'?: string };
      n += p.value.length;
      url = p['@odata.nextLink'];
    }
    expect(n).toBe(3000);
  });

  it('token endpoint outage -> 503 temporarily_unavailable', async () => {
    sim.state.setFaults('token:outage');
    const r = await c.tokenRequest({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
    expect(r.status).toBe(503);
    expect((r.json() as { error: string }).error).toBe('temporarily_unavailable');
    sim.state.setFaults('');
    expect(
      (await c.tokenRequest({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' })).status,
    ).toBe(200);
  });

  it('malformed CSV rows, concealed names and a stale refresh date', async () => {
    sim.state.setFaults('download:malformed@0.05,concealed,stale=10');
    const { download } = await c.report(report);
    const lines = download.text.slice(1).split('\r\n').slice(1, -1);
    const short = lines.filter((l) => l.split(',').length === 20);
    const strayQuote = lines.filter((l) => /^[^"]*,[^",]+"[^,]*,/.test(l));
    expect(short.length).toBeGreaterThan(10);
    expect(strayQuote.length).toBeGreaterThan(10);
    const good = lines.find((l) => l.split(',').length === 24)!.split(',');
    expect(good[0]).toBe('2025-05-29');
    expect(good[1]).toMatch(/^[0-9A-F]{32}$/);
    expect(good[2]).toMatch(/^[0-9A-F]{32}$/);
    sim.state.setFaults('');
  });

  it('reset on the reports call itself (after the 302 headers) and 429 on the download host', async () => {
    sim.state.setFaults('download:429:times=1:retry=1');
    const first = await c.report(report);
    expect([first.download.status, first.download.headers['retry-after']]).toEqual([429, '1']);
    sim.state.setFaults('');
  });
});
