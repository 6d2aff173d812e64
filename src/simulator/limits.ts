// Token buckets for the realistic profile: the identity and access RU buckets (per app and tenant, per app across
// tenants), the signInActivity request limits, and the usage reports' per-report limits. One AppLimiter per
// simulator process: every tenant behind the app draws on the same per-app buckets.
import { tenantRuFor, type Profile, type SimClock } from './profile';

/** Capacity `capacity`, refilled continuously at capacity per `windowMs` (simulated ms). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.windowMs);
    this.last = Math.max(this.last, now);
  }
  /** Simulated ms until `cost` tokens are there (0 = now). */
  waitMs(cost: number, now: number): number {
    this.refill(now);
    const short = Math.min(cost, this.capacity) - this.tokens;
    return short <= 0 ? 0 : Math.ceil((short * this.windowMs) / this.capacity);
  }
  take(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= cost;
  }
  /** Share of the capacity in use (0..1). */
  usage(): number {
    return this.capacity <= 0 ? 1 : 1 - this.tokens / this.capacity;
  }
}

/** What one request costs, by bucket family. */
export interface Charge {
  /** Identity and access resource units (0 = not an identity call). */
  ru: number;
  /** The request selects signInActivity. */
  signIn: boolean;
  /** A usage report request: which report and format. */
  report?: { name: string; format: 'csv' | 'json' };
}

export type Verdict = { ok: true; headers: Record<string, string> } | { ok: false; waitMs: number; scope: string; information?: string; limit: string };

interface Named {
  bucket: TokenBucket;
  cost: number;
  scope: string;
  information?: string;
  limit: string;
  /** Whether its usage shows in x-ms-throttle-limit-percentage (the identity RU buckets). */
  ru: boolean;
}

export class AppLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  /** 429s answered, by limit name (benchmarks read it). */
  readonly throttled = new Map<string, number>();
  constructor(
    readonly profile: Profile,
    readonly clock: SimClock,
    readonly appId: string,
  ) {}

  private bucket(key: string, capacity: number, windowMs: number): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(capacity, windowMs, this.clock.nowMs());
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Checks every bucket the request draws on; takes from all of them only when all have room. */
  admit(tenantId: string, tenantUsers: number, charge: Charge): Verdict {
    const l = this.profile.limits;
    const now = this.clock.nowMs();
    const app = this.appId;
    const applicable: Named[] = [];
    if (charge.ru > 0) {
      const tenantRu = tenantRuFor(l, tenantUsers);
      applicable.push(
        {
          bucket: this.bucket(`ru|${tenantId}`, tenantRu, 10_000),
          cost: charge.ru,
          scope: `Tenant_Application/ReadWrite/${app}/${tenantId}`,
          information: 'ResourceUnitLimitExceeded',
          limit: 'tenantRu',
          ru: true,
        },
        {
          bucket: this.bucket('ru|app', l.appRu, 20_000),
          cost: charge.ru,
          scope: `Application/ReadWrite/${app}`,
          information: 'ResourceUnitLimitExceeded',
          limit: 'appRu',
          ru: true,
        },
      );
    }
    if (charge.signIn) {
      applicable.push(
        {
          bucket: this.bucket(`signin|${tenantId}`, l.signInPerMinTenant, 60_000),
          cost: 1,
          scope: `Tenant_Application/Read/${app}/${tenantId}`,
          limit: 'signInPerMinTenant',
          ru: false,
        },
        { bucket: this.bucket('signin|app', l.signInPerMinApp, 60_000), cost: 1, scope: `Application/Read/${app}`, limit: 'signInPerMinApp', ru: false },
      );
    }
    if (charge.report) {
      const per = charge.report.format === 'csv' ? l.reportCsvPer10Min : l.reportJsonPer10Min;
      const limit = charge.report.format === 'csv' ? 'reportCsvPer10Min' : 'reportJsonPer10Min';
      applicable.push({
        bucket: this.bucket(`report|${tenantId}|${charge.report.name}|${charge.report.format}`, per, 600_000),
        cost: 1,
        scope: `Tenant_Application/Read/${app}/${tenantId}`,
        limit,
        ru: false,
      });
    }
    let worst: Named | undefined;
    let worstWait = 0;
    for (const n of applicable) {
      const w = n.bucket.waitMs(n.cost, now);
      if (w > worstWait) {
        worst = n;
        worstWait = w;
      }
    }
    if (worst) {
      this.throttled.set(worst.limit, (this.throttled.get(worst.limit) ?? 0) + 1);
      return { ok: false, waitMs: worstWait, scope: worst.scope, limit: worst.limit, ...(worst.information ? { information: worst.information } : {}) };
    }
    for (const n of applicable) n.bucket.take(n.cost, now);
    const headers: Record<string, string> = {};
    if (charge.ru > 0) headers['x-ms-resource-unit'] = String(charge.ru);
    const usage = Math.max(0, ...applicable.filter((n) => n.ru).map((n) => n.bucket.usage()));
    if (usage > 0.8) headers['x-ms-throttle-limit-percentage'] = usage.toFixed(2);
    return { ok: true, headers };
  }
}
