// The simulator's two behaviours: `instant` (answers at once, never throttles; what most tests need) and
// `realistic` (Microsoft's published Graph limits, response shapes and headers, latencies with a tail, links that
// expire by age). Every realistic number is a setting (`--limits key=value,...`), because Microsoft has moved
// several of them in the last three years; docs/graph.md says which public page each default rests on.

export type ProfileName = 'instant' | 'realistic';

export interface RealisticLimits {
  /** Identity and access RU bucket per app and tenant, per 10 s, by tenant size (<50, 50–500, >500 users). */
  tenantRuSmall: number;
  tenantRuMedium: number;
  tenantRuLarge: number;
  /** Identity and access RU bucket per app across all tenants, per 20 s. */
  appRu: number;
  /** Requests that select signInActivity, per minute, per app and tenant / per app across all tenants. */
  signInPerMinTenant: number;
  signInPerMinApp: number;
  /** Usage reports as CSV: requests per 10 minutes per app, tenant and report; beta JSON pages likewise. */
  reportCsvPer10Min: number;
  reportJsonPer10Min: number;
  /** Largest `$top` on /users, and with signInActivity selected; larger values answer 400 (topMode 'error') or are capped. */
  maxTop: number;
  signInMaxTop: number;
  topMode: 'error' | 'cap';
  /** Simulated seconds a skiptoken / a report download URL stays valid after it was issued. */
  skipTokenTtlS: number;
  downloadTtlS: number;
  /** Share of 429s that carry Retry-After (Graph usually sends it, not always). */
  retryAfterShare: number;
  /** Median latency of a users page: base plus per returned row (ms, simulated); other Graph calls: base only. */
  latencyBaseMs: number;
  latencyPerRowMs: number;
  /** p99 / median of every latency (a log-normal tail); 1 = no spread. */
  latencyTail: number;
  /** Median latency of a report request (the 302) and of the other Graph calls (ms, simulated). */
  reportLatencyMs: number;
}

export const REALISTIC_DEFAULTS: RealisticLimits = {
  tenantRuSmall: 3_500,
  tenantRuMedium: 5_000,
  tenantRuLarge: 8_000,
  appRu: 150_000,
  signInPerMinTenant: 10,
  signInPerMinApp: 10,
  reportCsvPer10Min: 14,
  reportJsonPer10Min: 100,
  maxTop: 999,
  signInMaxTop: 500,
  topMode: 'error',
  skipTokenTtlS: 600,
  downloadTtlS: 300,
  retryAfterShare: 0.9,
  latencyBaseMs: 150,
  latencyPerRowMs: 2.4,
  latencyTail: 2,
  reportLatencyMs: 1_000,
};

export interface Profile {
  name: ProfileName;
  limits: RealisticLimits;
  /** Real seconds per simulated second: 0.01 runs simulated hours in real minutes, every ratio kept. */
  timeScale: number;
}

export class ProfileSpecError extends Error {
  override name = 'ProfileSpecError';
}

export const INSTANT: Profile = { name: 'instant', limits: REALISTIC_DEFAULTS, timeScale: 1 };

/** Builds a profile from its name, a time scale and `key=value,...` overrides of REALISTIC_DEFAULTS. */
export function parseProfile(name: string | undefined, timeScale?: number, limits?: string | Partial<RealisticLimits>): Profile {
  const n = name ?? 'instant';
  if (n !== 'instant' && n !== 'realistic') throw new ProfileSpecError(`unknown profile "${n}" (instant, realistic)`);
  const scale = timeScale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new ProfileSpecError(`time scale must be a positive number, got ${String(timeScale)}`);
  const out: RealisticLimits = { ...REALISTIC_DEFAULTS };
  const pairs = typeof limits === 'string' ? parseLimitPairs(limits) : Object.entries(limits ?? {});
  for (const [k, v] of pairs) {
    if (!(k in REALISTIC_DEFAULTS)) throw new ProfileSpecError(`unknown limit "${k}" (${Object.keys(REALISTIC_DEFAULTS).join(', ')})`);
    const key = k as keyof RealisticLimits;
    if (key === 'topMode') {
      if (v !== 'error' && v !== 'cap') throw new ProfileSpecError(`limit topMode must be error or cap, got "${String(v)}"`);
      out.topMode = v;
      continue;
    }
    const num = Number(v);
    if (!Number.isFinite(num) || num < 0) throw new ProfileSpecError(`limit ${k} must be a non-negative number, got "${String(v)}"`);
    (out as unknown as Record<string, number>)[key] = num;
  }
  return { name: n, limits: out, timeScale: scale };
}

function parseLimitPairs(spec: string): Array<[string, string]> {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new ProfileSpecError(`limit "${item}": expected key=value`);
      return [item.slice(0, eq), item.slice(eq + 1)];
    });
}

/** The identity RU bucket for a tenant of `users` users (Microsoft's S/M/L sizes). */
export function tenantRuFor(limits: RealisticLimits, users: number): number {
  if (users < 50) return limits.tenantRuSmall;
  if (users <= 500) return limits.tenantRuMedium;
  return limits.tenantRuLarge;
}

/** Simulated time: real time since `start` divided by the scale, so windows and latencies shrink together. */
export class SimClock {
  private readonly start = performance.now();
  constructor(readonly timeScale: number) {}
  /** Simulated milliseconds since the clock started. */
  nowMs(): number {
    return (performance.now() - this.start) / this.timeScale;
  }
  /** Real milliseconds for a simulated duration. */
  realMs(simMs: number): number {
    return simMs * this.timeScale;
  }
}
