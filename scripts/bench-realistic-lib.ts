// What the realistic benchmark's scenarios share (processes come from lib/cli-processes.ts): publishes counted in
// the writer's log, Graph's requests, and the least simulated time the simulator's configured limits allow for the requests that were made.
import type { RequestLogEntry } from '../src/simulator/index';
import { chargeOf } from '../src/simulator/throttling';
import type { Endpoint } from '../src/simulator/faults';
import { tenantRuFor, type RealisticLimits } from '../src/simulator/profile';

/** The writer's `published` log lines: one per publish, each with the loads it covered. */
export const publishesIn = (lines: string[]): number => lines.filter((l) => l.includes('"msg":"published"')).length;

/** Graph's requests in a tenant's log: the identity platform's token and metadata calls are not Graph's limits. */
export const graphRequests = (entries: RequestLogEntry[]): RequestLogEntry[] => entries.filter((e) => e.endpoint && e.endpoint !== 'token' && e.endpoint !== 'oidc');

/**
 * The least simulated time the configured limits allow for the requests that succeeded: for each bucket, what it
 * spent beyond its capacity at its refill rate. Per-tenant buckets count each tenant's requests, per-app buckets
 * everyone's. Latency is not a limit and is not counted here.
 */
export function fleetLimitSeconds(tenants: Array<{ entries: RequestLogEntry[]; users: number }>, l: RealisticLimits): number {
  const beyond = (used: number, capacity: number, windowS: number) => (used <= capacity ? 0 : ((used - capacity) * windowS) / capacity);
  let appRu = 0;
  let appSignIn = 0;
  const parts: number[] = [];
  for (const t of tenants) {
    let ru = 0;
    let signIn = 0;
    const reports = new Map<string, number>();
    for (const e of t.entries) {
      if (e.status === 429 || !e.endpoint || e.endpoint === 'token' || e.endpoint === 'oidc' || e.endpoint === 'download') continue;
      const url = new URL(e.path, 'https://sim.invalid');
      const c = chargeOf(e.endpoint as Endpoint, e.method, url, url.pathname.split('/').slice(2).join('/'));
      ru += c.ru;
      if (c.signIn) signIn++;
      if (c.report) reports.set(`${c.report.name}|${c.report.format}`, (reports.get(`${c.report.name}|${c.report.format}`) ?? 0) + 1);
    }
    appRu += ru;
    appSignIn += signIn;
    parts.push(beyond(ru, tenantRuFor(l, t.users), 10), beyond(signIn, l.signInPerMinTenant, 60));
    parts.push(...[...reports].map(([k, n]) => beyond(n, k.endsWith('|csv') ? l.reportCsvPer10Min : l.reportJsonPer10Min, 600)));
  }
  parts.push(beyond(appRu, l.appRu, 20), beyond(appSignIn, l.signInPerMinApp, 60));
  return Math.max(0, ...parts);
}

/** One tenant's limit (fleetLimitSeconds for a fleet of one). */
export const limitSeconds = (entries: RequestLogEntry[], l: RealisticLimits, tenantUsers: number): number => fleetLimitSeconds([{ entries, users: tenantUsers }], l);
