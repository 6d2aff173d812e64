// The Graph client against the simulator's realistic profile: 429s with and without Retry-After, slowing down
// when Graph reports a limit nearly used, the page size Graph refuses, the non-premium refusal as 400, and an
// expired report download URL.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator';
import { Rng } from '../../src/simulator/prng';
import { TokenProvider } from '../../src/graph';
import { GraphClient, paceFor, type RetryInfo } from '../../src/graph/client';
import { GraphBadRequestError, GraphPageSizeError } from '../../src/graph/errors';
import { lowerPageSize, signInRefusal, type PageSizes } from '../../src/activities/extract';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(limits: string, opts: Partial<SimulatorOptions> = {}, extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}) {
  const sim: SimulatorHandle = await startSimulator({
    users: 1200,
    seed: 9,
    profile: 'realistic',
    timeScale: 1,
    roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'],
    limits: `latencyBaseMs=0,latencyPerRowMs=0,reportLatencyMs=0,${limits}`,
    ...opts,
  });
  open.push(sim);
  const tokens = new TokenProvider({ tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.authorityHost, caPem: sim.caPem });
  open.push(tokens);
  const waits: number[] = [];
  const retries: RetryInfo[] = [];
  const client = new GraphClient({
    graphUrl: sim.graphUrl,
    tokens,
    caPem: sim.caPem,
    timeoutMs: 10_000,
    backoff: { baseMs: 40, maxMs: 200 },
    sleep: async (ms) => {
      waits.push(ms);
      await new Promise((r) => setTimeout(r, ms));
    },
    onRetry: (i) => retries.push(i),
    ...extra,
  });
  open.push(client);
  return { sim, client, waits, retries };
}

const SMALL = '/v1.0/users?$select=id&$top=5';

describe('throttling as Graph does it', () => {
  it('429 with Retry-After: waits what Graph asks, then succeeds', async () => {
    const { client, retries } = await setup('tenantRuLarge=2,retryAfterShare=1', { timeScale: 0.03 }, { paceMs: 0 });
    for (let i = 0; i < 4; i++) await client.getJson(SMALL);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.status === 429 && r.retryAfterMs !== undefined)).toBe(true);
  });

  it('429 without Retry-After: exponential backoff with full jitter, then succeeds', async () => {
    // A seeded draw and room for more attempts than the bucket can need (it refills 1 call per 0.5 s here), so the
    // outcome does not hang on a run of short draws or a loaded machine.
    const rng = new Rng(7);
    const { client, retries } = await setup('tenantRuLarge=2,retryAfterShare=0', { timeScale: 0.1 }, { paceMs: 0, random: () => rng.float(), maxRetries: 40 });
    for (let i = 0; i < 4; i++) await client.getJson(SMALL);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.status === 429 && r.retryAfterMs === undefined)).toBe(true);
    // Full jitter: each wait lies in [0, base · 2^attempt], capped, and the waits differ.
    for (const r of retries) expect(r.waitMs).toBeLessThanOrEqual(Math.min(200, 40 * 2 ** (r.attempt - 1)));
    expect(new Set(retries.map((r) => r.waitMs)).size).toBeGreaterThan(1);
  });

  it('slows down when Graph reports more than 80% of a limit used, before any 429', async () => {
    const { sim, client, waits } = await setup('tenantRuLarge=10', {}, { paceMs: 100 });
    for (let i = 0; i < 10; i++) await client.getJson(SMALL);
    expect(waits.length).toBeGreaterThan(0); // the 9th answer said 90% used: the 10th call waited first
    expect(sim.limiter.throttled.size).toBe(0);
    expect(paceFor(0.5, 1000)).toBe(0);
    expect(paceFor(0.9, 1000)).toBe(500);
    expect(paceFor(1.8, 1000)).toBe(5000);
  });
});

describe('what Graph refuses', () => {
  it('a page size above the limit: a typed error naming the largest size, and the walk lowers its size', async () => {
    const { client } = await setup('');
    const err = await client.getJson('/v1.0/users?$select=id,signInActivity&$top=999').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphPageSizeError);
    expect((err as GraphPageSizeError).maxTop).toBe(500);
    const sizes: PageSizes = { users: 999, signIn: 999 };
    expect(lowerPageSize(sizes, true, 500)).toBe(true);
    expect(sizes).toEqual({ users: 999, signIn: 500 });
    expect(lowerPageSize(sizes, false, undefined)).toBe(true);
    expect(sizes.users).toBe(499);
    expect(lowerPageSize({ users: 1, signIn: 1 }, false, undefined)).toBe(false);
  });

  it('the non-premium refusal of signInActivity as 400 is recognised by its code', async () => {
    const { sim, client } = await setup('', { premium: false });
    sim.state.nonPremiumStatus = 400;
    const err = await client.getJson('/v1.0/users?$select=id,signInActivity&$top=500').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphBadRequestError);
    expect((err as GraphBadRequestError).status).toBe(400);
    expect(signInRefusal(err)).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    expect(signInRefusal(new GraphBadRequestError('other', { code: 'Request_BadRequest' }))).toBeNull();
  });

  it('an expired report download URL is requested again', async () => {
    // The link lives 1 simulated second (0.1 s); the first download is held 0.3 s, so it meets an expired link.
    const { sim, client } = await setup('downloadTtlS=1', { timeScale: 0.1, faults: 'download:slow:ms=300:times=1' });
    const dest = path.join(mkdtempSync(path.join(os.tmpdir(), 'rl-')), 'r.csv');
    const r = await client.downloadReport("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')", dest);
    expect(r.rows).toBeGreaterThan(1000);
    expect(sim.state.requests('download').map((e) => e.status)).toEqual([404, 200]);
    expect(sim.state.requests('reports')).toHaveLength(2);
  });
});
