// The realistic profile at Graph's front door: what a request costs (Microsoft's published RU costs, the
// signInActivity and report limits), Microsoft's 429 when a bucket is empty, the usage headers otherwise, and a
// latency drawn from a log-normal distribution with a tail, all on the simulator's (scaled) clock.
import type { SimContext } from './context';
import type { Endpoint } from './faults';
import { sendGraphJson, sleep, throttledBody, type Exchange } from './http';
import type { Charge } from './limits';
import { readSkipToken } from './paging';
import { hash, unit } from './prng';
import { usersPageRows } from './users-filter';

/** Microsoft's identity and access cost table: base cost, −1 with $select, −1 with $top < 20, +1 with $expand, at least 1. */
function identityRu(base: number, q: URLSearchParams): number {
  let ru = base;
  if (q.has('$select')) ru--;
  const top = Number(q.get('$top'));
  if (q.has('$top') && top < 20) ru--;
  if (q.has('$expand')) ru++;
  return Math.max(1, ru);
}

const selectsSignIn = (q: URLSearchParams): boolean => /signinactivity/i.test(q.get('$select') ?? '') || /signinactivity/i.test(q.get('$filter') ?? '');

/** What a request to `endpoint` costs. `segment` is the path after the version (e.g. `reports/getX(...)`). */
export function chargeOf(endpoint: Endpoint, method: string, url: URL, segment: string): Charge {
  const q = url.searchParams;
  switch (endpoint) {
    case 'users':
      if (method !== 'GET') return { ru: 1, signIn: false };
      return { ru: identityRu(2, q), signIn: selectsSignIn(q) };
    case 'skus':
      return { ru: identityRu(3, q), signIn: false };
    case 'subscriptions':
    case 'assignLicense':
      return { ru: 1, signIn: false };
    case 'reports':
    case 'copilotReports': {
      const name = /([A-Za-z0-9]+)\(/.exec(segment)?.[1] ?? segment;
      return { ru: 0, signIn: false, report: { name, format: q.get('$format') === 'application/json' ? 'json' : 'csv' } };
    }
    default:
      return { ru: 0, signIn: false };
  }
}

/** Rows a users page will hold, for its latency: the asked $top within the page caps, fewer at the list's end (delta: 200). */
function rowsOf(ctx: SimContext, url: URL, endpoint: Endpoint): number {
  if (endpoint !== 'users' || !/\/users\/?(delta)?$/.test(url.pathname)) return 0;
  if (url.pathname.endsWith('/delta')) return 200;
  const q = url.searchParams;
  const top = Number(q.get('$top') ?? 100) || 100;
  const cap = selectsSignIn(q) ? ctx.profile.limits.signInMaxTop : ctx.profile.limits.maxTop;
  const token = q.get('$skiptoken') ?? q.get('$skipToken');
  const offset = token === null ? 0 : (readSkipToken(ctx, token)?.offset ?? 0);
  return usersPageRows(ctx.state.tenant, q, Math.min(top, cap), offset);
}

/** A log-normal latency with median `medianMs` and p99 = median × tail (simulated ms). */
export function latencyMs(medianMs: number, tail: number, u1: number, u2: number): number {
  if (tail <= 1) return medianMs;
  const sigma = Math.log(tail) / 2.326;
  const z = Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2);
  return medianMs * Math.exp(sigma * z);
}

let draws = 0;

/** The simulated latency of this request: users pages grow with their rows, reports take longer. */
function sampleLatency(ctx: SimContext, url: URL, endpoint: Endpoint): number {
  const l = ctx.profile.limits;
  const n = draws++;
  const u1 = unit(hash(ctx.state.seedValue, 0x1a7e, n, 1));
  const u2 = unit(hash(ctx.state.seedValue, 0x1a7e, n, 2));
  const median = endpoint === 'reports' || endpoint === 'copilotReports' ? l.reportLatencyMs : l.latencyBaseMs + l.latencyPerRowMs * rowsOf(ctx, url, endpoint);
  return latencyMs(median, l.latencyTail, u1, u2);
}

/**
 * Admits a Graph request under the realistic profile (after authentication, so the tenant is known): waits its
 * latency, or answers Microsoft's 429. Returns the headers the response carries, or undefined when it was answered.
 */
export async function admit(ctx: SimContext, ex: Exchange, endpoint: Endpoint, segment: string): Promise<Record<string, string> | undefined> {
  if (ctx.profile.name !== 'realistic') return {};
  const charge = chargeOf(endpoint, ex.req.method ?? 'GET', ex.url, segment);
  const verdict = ctx.limiter.admit(ctx.tenantId, ctx.state.tenant.liveCount, charge);
  if (!verdict.ok) {
    await sleep(ctx.clock.realMs(ctx.profile.limits.latencyBaseMs / 3));
    const headers: Record<string, string> = { 'x-ms-throttle-scope': verdict.scope };
    if (verdict.information) headers['x-ms-throttle-information'] = verdict.information;
    if (charge.ru > 0) headers['x-ms-resource-unit'] = String(charge.ru);
    // Graph usually says how long to wait, in (fractional) seconds; here in real seconds, the clock scaled.
    const n = ctx.limiter.throttled.get(verdict.limit) ?? 0;
    if (unit(hash(ctx.state.seedValue, 0x429, n)) < ctx.profile.limits.retryAfterShare) {
      headers['retry-after'] = (Math.ceil(ctx.clock.realMs(verdict.waitMs)) / 1000).toFixed(3).replace(/\.?0+$/, '');
    }
    ex.faultText = `throttled:${verdict.limit}`;
    sendGraphJson(ex, 429, throttledBody(ex.req), headers);
    return undefined;
  }
  await sleep(ctx.clock.realMs(sampleLatency(ctx, ex.url, endpoint)));
  return verdict.headers;
}
