// HTTP plumbing shared by the token provider and the Graph client: the TLS agent, Retry-After and backoff
// arithmetic, classification of network failures, Graph's error envelope, and log-safe paths.
import tls from 'node:tls';
import { Agent } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * An undici Agent that verifies TLS against the system roots plus, when given, the simulator's CA.
 * Verification is never turned off: an untrusted certificate fails the request.
 */
export function createAgent(caPem?: string, opts: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connect: {
      ...(caPem ? { ca: [caPem, ...tls.rootCertificates] } : {}),
      timeout: opts.connectTimeoutMs ?? 15_000,
    },
    keepAliveTimeout: 10_000,
  });
}

/**
 * Parses `Retry-After`: integer or fractional seconds (Graph sends `2.128`), or an HTTP date.
 * Returns milliseconds (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (/^-\d/.test(text)) return 0;
  // An HTTP date must name a weekday or month; plain numbers like "1e3" are not dates.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^attempt)]. `attempt` counts from 0. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Statuses worth another attempt: throttling and the gateway/server family. */
export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_ABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const rec = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof rec.code === 'string') codes.push(rec.code);
    if (rec.name === 'TimeoutError' || rec.name === 'AbortError') codes.push('ETIMEDOUT');
    e = rec.cause;
  }
  return codes;
}

export type NetworkFailureKind = 'network' | 'tls' | 'other';

/** Network failures (resets, timeouts, refused connections) are retryable; TLS trust failures are not. */
export function classifyNetworkError(err: unknown): { kind: NetworkFailureKind; code?: string } {
  const codes = codesOf(err);
  const tlsCode = codes.find((c) => TLS_CODES.has(c));
  if (tlsCode) return { kind: 'tls', code: tlsCode };
  const netCode = codes.find((c) => NETWORK_CODES.has(c));
  if (netCode) return { kind: 'network', code: netCode };
  return { kind: 'other', code: codes[0] };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export interface GraphErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/**
 * Reads Graph's error envelope `{"error":{"code","message","innerError":{"request-id"}}}`. The reports
 * endpoints nest a second envelope as a JSON string in `message` (`{"error":{"code":"S2SUnauthorized",...}}`);
 * the inner code and message win when present.
 */
export function parseGraphError(text: string): GraphErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const err = (parsed as { error?: unknown })?.error;
  if (!err || typeof err !== 'object') return {};
  const e = err as { code?: unknown; message?: unknown; innerError?: unknown; innererror?: unknown };
  const out: GraphErrorBody = {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
  };
  const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined;
  if (inner && typeof inner['request-id'] === 'string') out.requestId = inner['request-id'];
  if (out.message && out.message.trimStart().startsWith('{')) {
    const nested = parseGraphError(out.message);
    if (nested.code) out.code = nested.code;
    if (nested.message !== undefined) out.message = nested.message;
    out.requestId ??= nested.requestId;
  }
  return out;
}

/**
 * A path safe for logs and workflow history: no query string (filters may hold names), and user keys
 * (UPNs, e-mail addresses) replaced by `{user}`.
 */
export function loggablePath(pathOrUrl: string): string {
  let p = pathOrUrl;
  try {
    if (/^https?:\/\//i.test(p)) p = new URL(p).pathname;
  } catch {
    // keep as given
  }
  p = p.split('?')[0] ?? p;
  return p
    .split('/')
    .map((seg) => (/@|%40/i.test(seg) ? '{user}' : seg))
    .join('/');
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `decodeURIComponent` that leaves malformed text as it is. */
export const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
