/*
 * Fault injection for the simulator: a `--faults` spec, parsed once, evaluated per request, deterministic for a seed.
 *
 * Grammar (whitespace ignored):
 *   spec    := item ("," item)*
 *   item    := flag | rule
 *   flag    := "concealed"                    report UPN / Display Name rendered as 32-char uppercase hex MD5
 *            | "stale=" DAYS                  report refresh date DAYS older than the normal (today - 2 days)
 *   rule    := endpoint ":" kind ["@" PROB] (":" param)*
 *   endpoint:= token | oidc | users | skus | subscriptions | reports | copilotReports | download | assignLicense | reportSettings | *
 *   kind    := 429 | 500 | 502 | 503 | 504   that HTTP status with the endpoint's error envelope
 *                                            (Graph JSON; OAuth JSON on token/oidc). param retry=SECONDS sets
 *                                            Retry-After (integer or fractional, e.g. retry=1.5; default 1 for 429,
 *                                            none for 5xx; retry=none omits it)
 *            | outage                       503 every time (on token: AADSTS90033 temporarily_unavailable)
 *            | reset                        send headers and part of the body, then destroy the socket.
 *                                            param after=BYTES (default: half the body; CSV: half the rows)
 *            | slow                         delay the first byte. param ms=N (default 2000); combines with others
 *            | expired                      users only: a nextLink request fails with 400 Directory_ExpiredPageToken
 *                                            and every skiptoken of that query (the unfiltered list, or one
 *                                            $filter) issued before it stays invalid (restart that walk).
 *                                            param after=N: fires on the first nextLink for page N+1 or later
 *            | malformed                    download (alias reports) only: PROB is the fraction of CSV data rows
 *                                            made malformed (alternately: 4 cells missing; a stray quote inside
 *                                            an unquoted Display Name)
 *   PROB    := number in [0,1], default 1: the chance each request (or row) is hit; decided by a hash of
 *              (seed, endpoint, rule, request number), so a run is reproducible
 *   common params: times=N  fire at most N times;  skip=N  let the first N requests to the endpoint through.
 *
 * Examples: "users:429@0.3:retry=1.5,reports:reset@0.2,token:outage,concealed,stale=10"
 *           "users:429:times=2:retry=0.2"  (the first two /users calls get 429, then all succeed)
 */
import { hash, unit } from './prng';

export const ENDPOINTS = ['token', 'oidc', 'users', 'skus', 'subscriptions', 'reports', 'copilotReports', 'download', 'assignLicense', 'reportSettings', 'sendMail'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type FaultKind = 'status' | 'outage' | 'reset' | 'slow' | 'expired' | 'malformed';

export interface FaultRule {
  endpoint: Endpoint | '*';
  kind: FaultKind;
  /** For kind 'status' (and 'outage' = 503). */
  status?: number;
  prob: number;
  /** Retry-After header value, verbatim (e.g. "2", "1.5"); undefined = none. */
  retryAfter?: string;
  after?: number;
  ms?: number;
  times?: number;
  skip?: number;
  /** How often it fired (runtime counter). */
  fired: number;
  /** Original text of the rule, for logs. */
  text: string;
}

export interface FaultSpec {
  rules: FaultRule[];
  concealed: boolean;
  staleDays: number;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

const num = (v: string, what: string, item: string): number => {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0) throw new FaultSpecError(`fault "${item}": ${what} must be a non-negative number, got "${v}"`);
  return n;
};

export function parseFaults(spec: string | undefined): FaultSpec {
  const out: FaultSpec = { rules: [], concealed: false, staleDays: 0 };
  if (!spec) return out;
  for (const raw of spec.split(',')) {
    const item = raw.replace(/\s+/g, '');
    if (item === '') continue;
    if (item === 'concealed') {
      out.concealed = true;
      continue;
    }
    if (item.startsWith('stale=')) {
      out.staleDays = Math.floor(num(item.slice(6), 'stale', item));
      continue;
    }
    const parts = item.split(':');
    if (parts.length < 2) throw new FaultSpecError(`fault "${item}": expected endpoint:kind, "concealed" or "stale=N"`);
    const endpoint = parts[0]!;
    if (endpoint !== '*' && !(ENDPOINTS as readonly string[]).includes(endpoint)) {
      throw new FaultSpecError(`fault "${item}": unknown endpoint "${endpoint}" (one of ${ENDPOINTS.join(', ')}, *)`);
    }
    const [kindText, probText] = parts[1]!.split('@') as [string, string | undefined];
    const rule: FaultRule = { endpoint: endpoint as Endpoint | '*', kind: 'status', prob: 1, fired: 0, text: item };
    if (/^[45]\d\d$/.test(kindText)) {
      rule.status = Number(kindText);
      if (rule.status === 429) rule.retryAfter = '1';
    } else if (kindText === 'outage') {
      rule.kind = 'outage';
      rule.status = 503;
    } else if (['reset', 'slow', 'expired', 'malformed'].includes(kindText)) {
      rule.kind = kindText as FaultKind;
      if (rule.kind === 'slow') rule.ms = 2000;
    } else {
      throw new FaultSpecError(`fault "${item}": unknown kind "${kindText}" (429, 5xx, outage, reset, slow, expired, malformed)`);
    }
    if (rule.kind === 'expired' && endpoint !== 'users') throw new FaultSpecError(`fault "${item}": expired applies to users only`);
    if (rule.kind === 'malformed' && endpoint !== 'download' && endpoint !== 'reports') {
      throw new FaultSpecError(`fault "${item}": malformed applies to download (or reports) only`);
    }
    if (probText !== undefined) {
      rule.prob = num(probText, 'probability', item);
      if (rule.prob > 1) throw new FaultSpecError(`fault "${item}": probability must be within 0..1`);
    }
    for (const param of parts.slice(2)) {
      const eq = param.indexOf('=');
      const key = eq < 0 ? param : param.slice(0, eq);
      const value = eq < 0 ? '' : param.slice(eq + 1);
      switch (key) {
        case 'retry':
          if (value === 'none') delete rule.retryAfter;
          else {
            num(value, 'retry', item);
            rule.retryAfter = value;
          }
          break;
        case 'after':
          rule.after = Math.floor(num(value, 'after', item));
          break;
        case 'ms':
          rule.ms = num(value, 'ms', item);
          break;
        case 'times':
          rule.times = Math.floor(num(value, 'times', item));
          break;
        case 'skip':
          rule.skip = Math.floor(num(value, 'skip', item));
          break;
        default:
          throw new FaultSpecError(`fault "${item}": unknown parameter "${key}" (retry, after, ms, times, skip)`);
      }
    }
    out.rules.push(rule);
  }
  return out;
}

/** What happens to one request. */
export interface FaultDecision {
  delayMs: number;
  /** The response-replacing fault, if any (status/outage/reset/expired). */
  rule?: FaultRule;
}

/** Per-endpoint request counters + rule evaluation. */
export class FaultEngine {
  private counters = new Map<string, number>();
  constructor(
    public spec: FaultSpec,
    private readonly seed: number,
  ) {}

  set(spec: FaultSpec): void {
    this.spec = spec;
    this.counters.clear();
  }

  /**
   * Decide for the next request to `endpoint`. `expired` rules are evaluated by the users handler itself
   * (they depend on the page), so `exclude` lets it skip them here.
   */
  decide(endpoint: Endpoint): FaultDecision {
    const n = this.counters.get(endpoint) ?? 0;
    this.counters.set(endpoint, n + 1);
    const d: FaultDecision = { delayMs: 0 };
    this.spec.rules.forEach((rule, ri) => {
      if (rule.endpoint !== '*' && rule.endpoint !== endpoint) return;
      if (rule.kind === 'expired' || rule.kind === 'malformed') return;
      if (d.rule && rule.kind !== 'slow') return;
      if (!this.hits(rule, ri, endpoint, n)) return;
      rule.fired++;
      if (rule.kind === 'slow') d.delayMs += rule.ms ?? 0;
      else d.rule = rule;
    });
    return d;
  }

  /** Whether an `expired` rule fires for a nextLink request of page `page` (1-based). */
  expiredFires(page: number): FaultRule | undefined {
    const n = this.counters.get('users#expired') ?? 0;
    this.counters.set('users#expired', n + 1);
    let hit: FaultRule | undefined;
    this.spec.rules.forEach((rule, ri) => {
      if (hit || rule.kind !== 'expired') return;
      if (rule.after !== undefined && page <= rule.after) return;
      if (rule.after !== undefined && rule.times === undefined && rule.fired >= 1) return;
      if (!this.hits(rule, ri, 'users#expired', n)) return;
      rule.fired++;
      hit = rule;
    });
    return hit;
  }

  /** Malformed-row rule for CSV downloads, if any. */
  malformedRule(): FaultRule | undefined {
    return this.spec.rules.find((r) => r.kind === 'malformed');
  }

  rowMalformed(rule: FaultRule, row: number): boolean {
    return unit(hash(this.seed, 0x6d616c, row)) < rule.prob;
  }

  private hits(rule: FaultRule, ri: number, endpoint: string, n: number): boolean {
    if (rule.skip !== undefined && n < rule.skip) return false;
    if (rule.times !== undefined && rule.fired >= rule.times) return false;
    if (rule.prob >= 1) return true;
    let e = 0;
    for (let k = 0; k < endpoint.length; k++) e = (e * 31 + endpoint.charCodeAt(k)) | 0;
    return unit(hash(this.seed, e, ri, n)) < rule.prob;
  }
}
