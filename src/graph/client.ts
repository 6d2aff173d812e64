// The Graph transport: resolves paths on the one trusted Graph host, sends each attempt with a fresh
// client-request-id and the bearer token, and runs every call through the retry loop; activities use only this.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { request, type Agent, type Dispatcher } from 'undici';
import type { Logger } from '../logger';
import { GraphBadRequestError, GraphTransientError } from './errors';
import { networkFailure, readBody, responseFailure } from './failures';
import { DEFAULT_BACKOFF, createAgent, header, loggablePath, sleepMs, type BackoffPolicy } from './http';
import { fetchReportBody, streamToFile, type DownloadResult } from './report-download';
import { withRetries, type AttemptState, type RetryInfo, type RetryPolicy } from './retry';
import type { TokenProvider } from './token-provider';

export type { DownloadResult } from './report-download';
export type { RetryInfo } from './retry';

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` (or the simulator's URL); paths without `/v1.0` or `/beta` get `/v1.0`. */
  graphUrl: string;
  tokens: Pick<TokenProvider, 'getToken' | 'clientId'>;
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
  /** Retries, throttling waits and failures, with log-safe paths only. */
  logger?: Logger;
  onRetry?: (info: RetryInfo) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Pause before the next call when Graph says a limit is fully used (x-ms-throttle-limit-percentage 1.0), in
   * proportion to the use above 80% (0.9 → half of it, 1.8 → five times): slowing down before the 429. Default 1 s.
   */
  paceMs?: number;
}

type Method = 'GET' | 'POST';

/** The pause before the next call for a reported limit use: none up to 80%, `paceMs` at 100%, growing beyond. */
export function paceFor(limitUse: number, paceMs: number): number {
  return limitUse > 0.8 ? Math.round((paceMs * (limitUse - 0.8)) / 0.2) : 0;
}

export class GraphClient {
  private readonly base: URL;
  private readonly tokens: GraphClientOptions['tokens'];
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly log?: Logger;
  private readonly paceMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The last x-ms-throttle-limit-percentage Graph sent (0 when under 80%). */
  private limitUse = 0;

  constructor(opts: GraphClientOptions) {
    this.base = new URL(opts.graphUrl.replace(/\/+$/, '') + '/');
    if (this.base.protocol !== 'https:') throw new GraphBadRequestError(`The Graph URL must be https:// (got ${this.base.origin}).`);
    this.tokens = opts.tokens;
    this.agent = createAgent(opts.caPem);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.log = opts.logger?.child({ component: 'graph' });
    this.paceMs = opts.paceMs ?? 1000;
    this.sleep = opts.sleep ?? sleepMs;
    this.retry = {
      maxRetries: opts.maxRetries ?? 8,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 120_000,
      retryBudgetMs: opts.retryBudgetMs ?? 300_000,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      sleep: opts.sleep ?? sleepMs,
      random: opts.random ?? Math.random,
      log: this.log,
      onRetry: opts.onRetry,
    };
  }

  async getJson<T>(pathOrAbsoluteUrl: string): Promise<T> {
    const text = await this.getJsonText(pathOrAbsoluteUrl);
    return JSON.parse(text) as T;
  }

  /** The body exactly as Graph sent it (a page to write to disk unchanged). */
  getJsonText(pathOrAbsoluteUrl: string): Promise<string> {
    return this.getText(pathOrAbsoluteUrl);
  }

  /** A GET's body as text, with extra request headers (e.g. `ConsistencyLevel: eventual` for `/users/$count`). */
  getText(pathOrAbsoluteUrl: string, headers: Record<string, string> = {}): Promise<string> {
    const url = this.resolve(pathOrAbsoluteUrl);
    return withRetries(this.retry, 'GET', url, async (state) => {
      const { res, clientRequestId } = await this.send('GET', url, state, undefined, { headers });
      return readBody(res, url, clientRequestId);
    });
  }

  /** POSTs JSON. Retried like a GET: the writes used here (assignLicense) set state and are safe to repeat. */
  postJson<T>(pathOrUrl: string, body: unknown): Promise<T> {
    const url = this.resolve(pathOrUrl);
    const payload = JSON.stringify(body);
    return withRetries(this.retry, 'POST', url, async (state) => {
      const { res, clientRequestId } = await this.send('POST', url, state, payload);
      const text = await readBody(res, url, clientRequestId);
      return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
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
      const result = await withRetries(this.retry, 'GET', url, async (state) => {
        const { res, clientRequestId } = await this.send('GET', url, state, undefined, { expectRedirect: true });
        if (res.statusCode >= 300 && res.statusCode < 400) {
          await res.body.dump();
          const location = header(res.headers, 'location');
          if (!location)
            throw new GraphTransientError(`Graph answered ${res.statusCode} without a Location for ${loggablePath(url.href)}.`, { clientRequestId, status: res.statusCode });
          const target = new URL(location, url);
          if (target.protocol !== 'https:')
            throw new GraphBadRequestError(`Graph redirected the report to a non-https URL (${target.origin}); refusing to download.`, { clientRequestId });
          return fetchReportBody(this.agent, this.timeoutMs, target, tmp);
        }
        // Some report variants answer 200 with the content directly.
        return streamToFile(res, tmp, url);
      });
      await rename(tmp, destFile);
      this.log?.info({ path: loggablePath(url.href), bytes: result.bytes, rows: result.rows, ms: Date.now() - started }, 'report downloaded');
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
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
    opts: { expectRedirect?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ res: Dispatcher.ResponseData; clientRequestId: string }> {
    const pause = paceFor(this.limitUse, this.paceMs);
    if (pause > 0) {
      this.log?.info({ path: loggablePath(url.href), limitUse: this.limitUse, waitMs: pause }, 'graph limit nearly used: slowing down');
      await this.sleep(pause);
    }
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
    Object.assign(headers, opts.headers);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method, headers, body, dispatcher: this.agent, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (err) {
      throw networkFailure(err, method, url, clientRequestId);
    }
    this.limitUse = Number(header(res.headers, 'x-ms-throttle-limit-percentage')) || 0;
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || (opts.expectRedirect && res.statusCode >= 300 && res.statusCode < 400);
    if (ok) return { res, clientRequestId };
    throw await responseFailure({ method, url, clientRequestId, token, clientId: this.tokens.clientId, log: this.log }, res);
  }
}
