// A defensive Microsoft Graph client: per-request timeouts, bounded retries with backoff and Retry-After,
// a client-request-id on every call, typed errors, and report downloads streamed to disk.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, type Agent, type Dispatcher } from 'undici';
import { decodeRoles, permissionMessage, type TokenProvider } from './auth';
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphNotFoundError,
  GraphPermissionError,
  GraphThrottledError,
  GraphTlsError,
  GraphTransientError,
  SkipTokenExpiredError,
  redactPersonalData,
} from './errors';
import {
  DEFAULT_BACKOFF,
  RETRYABLE_STATUSES,
  backoffDelay,
  classifyNetworkError,
  createAgent,
  header,
  loggablePath,
  parseGraphError,
  parseRetryAfter,
  sleepMs,
  type BackoffPolicy,
} from './http';

export interface GraphLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RetryInfo {
  status?: number;
  waitMs: number;
  attempt: number;
  /** Log-safe path (no query string, no UPNs). */
  path: string;
  /** The Retry-After the server asked for, when it sent one. */
  retryAfterMs?: number;
}

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` (or the simulator's URL); paths without `/v1.0` or `/beta` get `/v1.0`. */
  graphUrl: string;
  tokens: TokenProvider;
  /** Extra CA to trust (the simulator's), added to the system roots. */
  caPem?: string;
  /** Timeout for response headers, and for silence between body chunks. Default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 8. */
  maxRetries?: number;
  /** A Retry-After longer than this is not slept in-process: the typed error is thrown for a later retry. Default 120 s. */
  maxRetryAfterMs?: number;
  /** Total time one call may spend waiting between attempts. Default 5 min. */
  retryBudgetMs?: number;
  backoff?: BackoffPolicy;
  logger?: GraphLogger;
  onRetry?: (info: RetryInfo) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Lines after the header (newline count, plus an unterminated last line, minus one). */
  rows: number;
}

type Method = 'GET' | 'POST' | 'PATCH';
type ResponseData = Dispatcher.ResponseData;

interface AttemptState {
  forceRefresh: boolean;
}

/** Internal: the token looked stale (401); refresh once and retry at once. */
class RefreshToken extends Error {
  constructor(readonly failure: GraphAuthError) {
    super('refresh');
  }
}

export class GraphClient {
  private readonly base: URL;
  private readonly tokens: TokenProvider;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly retryBudgetMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly logger?: GraphLogger;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(opts: GraphClientOptions) {
    this.base = new URL(opts.graphUrl.replace(/\/+$/, '') + '/');
    if (this.base.protocol !== 'https:') throw new GraphBadRequestError(`The Graph URL must be https:// (got ${this.base.origin}).`);
    this.tokens = opts.tokens;
    this.agent = createAgent(opts.caPem);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxRetries = opts.maxRetries ?? 8;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
    this.retryBudgetMs = opts.retryBudgetMs ?? 300_000;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.logger = opts.logger;
    this.onRetry = opts.onRetry;
    this.sleep = opts.sleep ?? sleepMs;
    this.random = opts.random ?? Math.random;
  }

  async getJson<T>(pathOrAbsoluteUrl: string): Promise<T> {
    const text = await this.getJsonText(pathOrAbsoluteUrl);
    return JSON.parse(text) as T;
  }

  /** The body exactly as Graph sent it (a page to write to disk unchanged). */
  getJsonText(pathOrAbsoluteUrl: string): Promise<string> {
    const url = this.resolve(pathOrAbsoluteUrl);
    return this.withRetries('GET', url, async (state) => {
      const { res, clientRequestId } = await this.send('GET', url, state);
      return readBody(res, url, clientRequestId);
    });
  }

  /** POSTs JSON. Retried like a GET: the writes used here (assignLicense) set state and are safe to repeat. */
  postJson<T>(pathOrUrl: string, body: unknown): Promise<T> {
    const url = this.resolve(pathOrUrl);
    const payload = JSON.stringify(body);
    return this.withRetries('POST', url, async (state) => {
      const { res, clientRequestId } = await this.send('POST', url, state, payload);
      const text = await readBody(res, url, clientRequestId);
      return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
    });
  }

  patchJson(pathOrUrl: string, body: unknown): Promise<void> {
    const url = this.resolve(pathOrUrl);
    const payload = JSON.stringify(body);
    return this.withRetries('PATCH', url, async (state) => {
      const { res, clientRequestId } = await this.send('PATCH', url, state, payload);
      await readBody(res, url, clientRequestId);
    });
  }

  /**
   * A usage report: GET with the bearer token → 302 → GET the pre-authenticated Location WITHOUT the
   * Authorization header, streamed to `<dest>.<uuid>.part` and renamed over `destFile` when complete.
   * A failure mid-body starts over from the first call, so each attempt uses a fresh download URL.
   */
  async downloadReport(pathOrUrl: string, destFile: string): Promise<DownloadResult> {
    const url = this.resolve(pathOrUrl);
    await mkdir(path.dirname(destFile), { recursive: true });
    const tmp = `${destFile}.${randomUUID()}.part`;
    const started = Date.now();
    try {
      const result = await this.withRetries('GET', url, async (state) => {
        const { res, clientRequestId } = await this.send('GET', url, state, undefined, { expectRedirect: true });
        if (res.statusCode >= 300 && res.statusCode < 400) {
          await res.body.dump();
          const location = header(res.headers, 'location');
          if (!location) throw new GraphTransientError(`Graph answered ${res.statusCode} without a Location for ${loggablePath(url.href)}.`, { clientRequestId, status: res.statusCode });
          const target = new URL(location, url);
          if (target.protocol !== 'https:') throw new GraphBadRequestError(`Graph redirected the report to a non-https URL (${target.origin}); refusing to download.`, { clientRequestId });
          return this.fetchReportBody(target, tmp);
        }
        // Some report variants answer 200 with the content directly.
        return streamToFile(res, tmp, url);
      });
      await rename(tmp, destFile);
      this.logger?.info({ path: loggablePath(url.href), bytes: result.bytes, rows: result.rows, ms: Date.now() - started }, 'report downloaded');
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async fetchReportBody(target: URL, tmp: string): Promise<DownloadResult> {
    const clientRequestId = randomUUID();
    let res: ResponseData;
    try {
      res = await request(target, {
        method: 'GET',
        // Pre-authenticated URL: the bearer token must never reach the reports host.
        headers: { 'client-request-id': clientRequestId, accept: 'application/octet-stream, text/csv, */*' },
        dispatcher: this.agent,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw networkFailure(err, 'GET', target, clientRequestId);
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      const requestId = header(res.headers, 'request-id') ?? parseGraphError(text).requestId;
      // An expired or rejected download link is cured by asking Graph for a fresh one.
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      const Cls = res.statusCode === 429 ? GraphThrottledError : GraphTransientError;
      throw new Cls(`The report download host answered HTTP ${res.statusCode}; a fresh download link will be requested.`, {
        status: res.statusCode,
        clientRequestId,
        requestId,
        retryAfterMs,
      });
    }
    return streamToFile(res, tmp, target, clientRequestId);
  }

  private resolve(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      // A nextLink must stay on the Graph host: the bearer token is never sent anywhere else.
      if (url.origin !== this.base.origin) {
        throw new GraphBadRequestError(`Refusing to send the Graph token to ${url.origin}: only ${this.base.origin} is trusted.`);
      }
      return url;
    }
    const rel = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
    const versioned = /^\/(v1\.0|beta)(\/|$|\?)/.test(rel) ? rel : `/v1.0${rel}`;
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new URL(`${this.base.origin}${basePath}${versioned}`);
  }

  /** One attempt: a fresh client-request-id, the bearer token, and status mapping to typed errors. */
  private async send(
    method: Method,
    url: URL,
    state: AttemptState,
    body?: string,
    opts: { expectRedirect?: boolean } = {},
  ): Promise<{ res: ResponseData; clientRequestId: string }> {
    const token = await this.tokens.getToken({ forceRefresh: state.forceRefresh });
    state.forceRefresh = false;
    const clientRequestId = randomUUID();
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'client-request-id': clientRequestId,
      'return-client-request-id': 'true',
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: ResponseData;
    try {
      res = await request(url, { method, headers, body, dispatcher: this.agent, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (err) {
      throw networkFailure(err, method, url, clientRequestId);
    }
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || (opts.expectRedirect && res.statusCode >= 300 && res.statusCode < 400);
    if (ok) return { res, clientRequestId };
    throw await this.failure(method, url, res, clientRequestId, token);
  }

  private async failure(method: Method, url: URL, res: ResponseData, clientRequestId: string, token: string): Promise<Error> {
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // the status alone decides
    }
    const env = parseGraphError(text);
    const status = res.statusCode;
    const requestId = header(res.headers, 'request-id') ?? env.requestId;
    const where = `${method} ${loggablePath(url.href)}`;
    const ctx = { status, requestId, clientRequestId };
    const graphText = env.message ? redactPersonalData(env.message).trim().replace(/\.+$/, '') : '';
    const codeText = env.code ? ` ${env.code}` : '';
    this.logger?.warn({ method, path: loggablePath(url.href), status, code: env.code, requestId, clientRequestId }, 'graph request failed');

    if (RETRYABLE_STATUSES.has(status)) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      const Cls = status === 429 ? GraphThrottledError : GraphTransientError;
      const what = status === 429 ? 'throttled' : 'unavailable';
      return new Cls(`Graph ${what} (HTTP ${status}${codeText}) on ${where}.`, { ...ctx, retryAfterMs });
    }
    if (status === 401) {
      return new RefreshToken(
        new GraphAuthError(
          `Graph rejected the access token (401${codeText}) on ${where}${graphText ? `: ${graphText}` : ''}. ` +
            'Check that M365_TENANT_ID is the tenant the app was consented in and that M365_AUTHORITY_HOST matches M365_GRAPH_URL\'s cloud.',
          ctx,
        ),
      );
    }
    if (status === 403) return this.permissionFailure(method, url, env.code, graphText, token, ctx);
    if (status === 404) {
      return new GraphNotFoundError(`Graph found nothing at ${where} (404${codeText}): the user or object does not exist (deleted or wrong id).`, { ...ctx, code: env.code });
    }
    const hasSkipToken = /skip(token)?=/i.test(safeDecode(url.search));
    const expiredToken = /ExpiredPageToken|SkipToken/i.test(env.code ?? '') || /(page|skip) ?token.*(expired|invalid)/i.test(env.message ?? '');
    if (status === 410 || (status === 400 && hasSkipToken && expiredToken)) {
      return new SkipTokenExpiredError(`Graph no longer accepts this paging link (HTTP ${status}${codeText}) on ${where}; restart the walk from the first page.`, { ...ctx, code: env.code });
    }
    return new GraphBadRequestError(`Graph refused ${where} (HTTP ${status}${codeText})${graphText ? `: ${graphText}` : ''}.`, {
      ...ctx,
      code: env.code,
      graphMessage: env.message,
    });
  }

  private permissionFailure(
    method: Method,
    url: URL,
    code: string | undefined,
    graphText: string,
    token: string,
    ctx: { status: number; requestId?: string; clientRequestId: string },
  ): GraphPermissionError {
    const need = requiredPermission(method, url);
    const roles = new Set(decodeRoles(token));
    const where = `${method} ${loggablePath(url.href)}`;
    const detail = `Graph denied ${where} (403${code ? ` ${code}` : ''}${graphText ? `: ${graphText}` : ''}). `;
    if (!need) return new GraphPermissionError(detail + 'Check the app\'s Microsoft Graph application permissions and admin consent.', { ...ctx, missing: [] });
    const held = need.anyOf.filter((r) => roles.has(r));
    if (held.length) {
      return new GraphPermissionError(
        detail +
          `The token already holds ${held.join(', ')}; a newly granted consent can take up to an hour to apply${need.note ? `, and ${need.note}` : ''}.`,
        { ...ctx, missing: [] },
      );
    }
    return new GraphPermissionError(detail + permissionMessage(this.tokens.clientId, [need.why], [need.least]), { ...ctx, missing: [need.least] });
  }

  /** Runs `attempt` until it succeeds, a non-retryable error occurs, or the retry count or budget runs out. */
  private async withRetries<R>(method: Method, url: URL, attempt: (state: AttemptState) => Promise<R>): Promise<R> {
    const state: AttemptState = { forceRefresh: false };
    const logPath = loggablePath(url.href);
    let refreshed = false;
    let waited = 0;
    for (let n = 0; ; ) {
      try {
        return await attempt(state);
      } catch (err) {
        if (err instanceof RefreshToken) {
          if (refreshed) throw err.failure;
          refreshed = true;
          state.forceRefresh = true;
          continue;
        }
        if (!(err instanceof GraphThrottledError || err instanceof GraphTransientError)) throw err;
        const asked = err.retryAfterMs;
        const exhausted = (reason: string): Error => {
          const Cls = err instanceof GraphThrottledError ? GraphThrottledError : GraphTransientError;
          return new Cls(`${err.message.replace(/ \(request-id.*$|\(client-request-id.*$/, '')} Gave up in-process: ${reason}; the activity retry will try again later.`, {
            cause: err,
            status: err.status,
            requestId: err.requestId,
            clientRequestId: err.clientRequestId,
            retryAfterMs: asked,
          });
        };
        if (asked !== undefined && asked > this.maxRetryAfterMs) throw exhausted(`Retry-After of ${asked} ms exceeds the ${this.maxRetryAfterMs} ms cap`);
        if (n >= this.maxRetries) throw exhausted(`${n + 1} attempts made`);
        // Retry-After is honoured as asked, plus a little jitter so parallel callers do not return in step.
        const waitMs = asked !== undefined ? asked + Math.floor(this.random() * Math.min(1000, asked * 0.1)) : backoffDelay(n, this.backoff, this.random);
        if (waited + waitMs > this.retryBudgetMs) throw exhausted(`the ${this.retryBudgetMs} ms retry budget is spent`);
        n++;
        const info: RetryInfo = { status: err.status, waitMs, attempt: n, path: logPath, ...(asked !== undefined ? { retryAfterMs: asked } : {}) };
        this.logger?.warn({ method, ...info, requestId: err.requestId, clientRequestId: err.clientRequestId, error: err.name }, 'graph request will be retried');
        this.onRetry?.(info);
        await this.sleep(waitMs);
        waited += waitMs;
      }
    }
  }
}

interface PermissionNeed {
  least: string;
  anyOf: string[];
  why: string;
  note?: string;
}

/** The least-privileged application permission for the calls this pipeline makes, and what also satisfies it. */
export function requiredPermission(method: Method | string, url: URL): PermissionNeed | undefined {
  const p = url.pathname.replace(/^\/(v1\.0|beta)/, '');
  const q = safeDecode(url.search);
  if (p.startsWith('/reports/')) return { least: 'Reports.Read.All', anyOf: ['Reports.Read.All'], why: 'Reports.Read.All to read Microsoft 365 usage reports' };
  if (p.startsWith('/admin/reportSettings')) {
    return method === 'GET'
      ? { least: 'ReportSettings.Read.All', anyOf: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'], why: 'ReportSettings.Read.All to read the report privacy setting' }
      : { least: 'ReportSettings.ReadWrite.All', anyOf: ['ReportSettings.ReadWrite.All'], why: 'ReportSettings.ReadWrite.All to change the report privacy setting' };
  }
  if (/^\/users\/[^/]+\/assignLicense/i.test(p)) {
    return {
      least: 'LicenseAssignment.ReadWrite.All',
      anyOf: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
      why: 'LicenseAssignment.ReadWrite.All (or User.ReadWrite.All) to remove licenses',
    };
  }
  if (p.startsWith('/users')) {
    if (/signInActivity/i.test(q)) {
      return {
        least: 'AuditLog.Read.All',
        anyOf: ['AuditLog.Read.All'],
        why: 'AuditLog.Read.All (with User.Read.All) to read sign-in activity',
        note: 'signInActivity also needs a Microsoft Entra ID P1 or P2 license in the tenant',
      };
    }
    return { least: 'User.Read.All', anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'], why: 'User.Read.All (or Directory.Read.All) to read users' };
  }
  if (p.startsWith('/subscribedSkus') || p.startsWith('/organization')) {
    return {
      least: 'Organization.Read.All',
      anyOf: ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
      why: 'Organization.Read.All (or Directory.Read.All) to read subscribed SKUs',
    };
  }
  return undefined;
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function networkFailure(err: unknown, method: string, url: URL, clientRequestId: string): Error {
  const net = classifyNetworkError(err);
  const where = `${method} ${url.host}${loggablePath(url.href)}`;
  if (net.kind === 'tls') {
    return new GraphTlsError(
      `TLS verification failed for ${url.host} (${net.code}). For a private CA (the simulator) set M365_CA_FILE to its CA certificate; verification is never disabled.`,
      { cause: err, clientRequestId },
    );
  }
  if (net.kind === 'network') return new GraphTransientError(`Network failure (${net.code}) on ${where}.`, { cause: err, clientRequestId });
  // Unknown failures are treated as transient: a later attempt costs little, a lost run costs a day.
  return new GraphTransientError(`Request failed on ${where}: ${err instanceof Error ? err.message : String(err)}.`, { cause: err, clientRequestId });
}

async function readBody(res: ResponseData, url: URL, clientRequestId: string): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw networkFailure(err, 'GET', url, clientRequestId);
  }
}

/** Streams a body to `file` (truncating it), hashing and counting lines on the way; memory stays flat. */
async function streamToFile(res: ResponseData, file: string, url: URL, clientRequestId?: string): Promise<DownloadResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  let last = -1;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      if (chunk.length) last = chunk[chunk.length - 1] ?? -1;
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, meter, createWriteStream(file));
  } catch (err) {
    throw networkFailure(err, 'GET', url, clientRequestId ?? '');
  }
  const expected = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(expected) && header(res.headers, 'content-length') !== undefined && expected !== bytes) {
    throw new GraphTransientError(`The report body ended after ${bytes} of ${expected} bytes; downloading again.`, { clientRequestId });
  }
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  const lines = newlines + (bytes > 0 && last !== 10 ? 1 : 0);
  return { bytes, sha256: hash.digest('hex'), rows: Math.max(0, lines - 1) };
}
