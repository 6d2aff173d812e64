// The in-process retry loop for one Graph call: backoff with jitter, Retry-After honoured up to a cap, a
// total wait budget, one token refresh on 401; each wait is logged with a log-safe path, never the full URL.
import type { Logger } from '../logger';
import { GraphAuthError, GraphThrottledError, GraphTransientError } from './errors';
import { backoffDelay, loggablePath, type BackoffPolicy } from './http';
import { operationOf } from './permissions';

export interface RetryInfo {
  status?: number;
  waitMs: number;
  attempt: number;
  /** Log-safe path (no query string, no UPNs). */
  path: string;
  /** The Retry-After the server asked for, when it sent one. */
  retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** A Retry-After longer than this is not slept in-process: the typed error is thrown for a later retry. */
  maxRetryAfterMs: number;
  /** Total time one call may spend waiting between attempts. */
  retryBudgetMs: number;
  backoff: BackoffPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log?: Logger;
  onRetry?: (info: RetryInfo) => void;
}

export interface AttemptState {
  /** Set after a 401: the next attempt asks for a fresh token. */
  forceRefresh: boolean;
}

/** Thrown by an attempt when the token looked stale (401): refresh once and retry at once. */
export class RefreshToken extends Error {
  override name = 'RefreshToken';
  constructor(readonly failure: GraphAuthError) {
    super('refresh');
  }
}

/** Runs `attempt` until it succeeds, a non-retryable error occurs, or the retry count or budget runs out. */
export async function withRetries<R>(policy: RetryPolicy, method: string, url: URL, attempt: (state: AttemptState) => Promise<R>): Promise<R> {
  const state: AttemptState = { forceRefresh: false };
  const where = { method, operation: operationOf(method, url), path: loggablePath(url.href) };
  let refreshed = false;
  let waited = 0;
  for (let n = 0; ;) {
    try {
      return await attempt(state);
    } catch (err) {
      if (err instanceof RefreshToken) {
        if (refreshed) throw err.failure;
        refreshed = true;
        state.forceRefresh = true;
        policy.log?.info({ ...where }, 'graph rejected the token; refreshing it once');
        continue;
      }
      if (!(err instanceof GraphThrottledError || err instanceof GraphTransientError)) throw err;
      const asked = err.retryAfterMs;
      const exhausted = (reason: string): Error => {
        policy.log?.warn({ ...where, status: err.status, attempts: n + 1, waitedMs: waited, error: err.name }, `graph retries given up: ${reason}`);
        const Cls = err instanceof GraphThrottledError ? GraphThrottledError : GraphTransientError;
        return new Cls(`${err.message.replace(/ \(request-id.*$|\(client-request-id.*$/, '')} Gave up in-process: ${reason}; the activity retry will try again later.`, {
          cause: err,
          status: err.status,
          requestId: err.requestId,
          clientRequestId: err.clientRequestId,
          retryAfterMs: asked,
        });
      };
      if (asked !== undefined && asked > policy.maxRetryAfterMs) throw exhausted(`Retry-After of ${asked} ms exceeds the ${policy.maxRetryAfterMs} ms cap`);
      if (n >= policy.maxRetries) throw exhausted(`${n + 1} attempts made`);
      // Retry-After is honoured as asked, plus a little jitter so parallel callers do not return in step.
      const waitMs = asked !== undefined ? asked + Math.floor(policy.random() * Math.min(1000, asked * 0.1)) : backoffDelay(n, policy.backoff, policy.random);
      if (waited + waitMs > policy.retryBudgetMs) throw exhausted(`the ${policy.retryBudgetMs} ms retry budget is spent`);
      n++;
      const info: RetryInfo = { status: err.status, waitMs, attempt: n, path: where.path, ...(asked !== undefined ? { retryAfterMs: asked } : {}) };
      policy.log?.warn(
        { ...where, ...info, requestId: err.requestId, clientRequestId: err.clientRequestId, error: err.name },
        err instanceof GraphThrottledError ? 'graph throttled; waiting before the retry' : 'graph request failed; waiting before the retry',
      );
      policy.onRetry?.(info);
      await policy.sleep(waitMs);
      waited += waitMs;
    }
  }
}
