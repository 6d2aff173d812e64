// Maps what went wrong on one Graph request (an error status or a network failure) to the typed errors
// that decide retrying, with messages that name a log-safe path and never a UPN.
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger';
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphNotFoundError,
  GraphPageSizeError,
  GraphThrottledError,
  GraphTlsError,
  GraphTransientError,
  SkipTokenExpiredError,
  redactPersonalData,
} from './errors';
import { permissionFailure } from './forbidden';
import { RETRYABLE_STATUSES, classifyNetworkError, header, loggablePath, parseGraphError, parseRetryAfter, safeDecode } from './http';
import { RefreshToken } from './retry';

/** The request a failure belongs to. `token` is only decoded for its roles (403 diagnosis), never logged. */
export interface FailedRequest {
  method: string;
  url: URL;
  clientRequestId: string;
  token: string;
  clientId: string;
  log?: Logger;
}

/** The typed error for a non-success response; a 401 becomes RefreshToken so the retry loop refreshes once. */
export async function responseFailure(req: FailedRequest, res: Dispatcher.ResponseData): Promise<Error> {
  const { method, url, clientRequestId } = req;
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
  const retryable = RETRYABLE_STATUSES.has(status);
  // Retryable failures are logged by the retry loop with the wait; here only at debug.
  req.log?.[retryable ? 'debug' : 'warn']({ method, path: loggablePath(url.href), status, code: env.code, requestId, clientRequestId }, 'graph request failed');

  if (retryable) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const Cls = status === 429 ? GraphThrottledError : GraphTransientError;
    const what = status === 429 ? 'throttled' : 'unavailable';
    return new Cls(`Graph ${what} (HTTP ${status}${codeText}) on ${where}.`, { ...ctx, retryAfterMs });
  }
  if (status === 401) {
    return new RefreshToken(
      new GraphAuthError(
        `Graph rejected the access token (401${codeText}) on ${where}${graphText ? `: ${graphText}` : ''}. ` +
          "Check that M365_TENANT_ID is the tenant the app was consented in and that M365_AUTHORITY_HOST matches M365_GRAPH_URL's cloud.",
        ctx,
      ),
    );
  }
  if (status === 403) return permissionFailure(req.clientId, method, url, env.code, graphText, req.token, ctx);
  if (status === 404) {
    return new GraphNotFoundError(`Graph found nothing at ${where} (404${codeText}): the user or object does not exist (deleted or wrong id).`, { ...ctx, code: env.code });
  }
  const hasSkipToken = /skip(token)?=/i.test(safeDecode(url.search));
  const expiredToken = /ExpiredPageToken|SkipToken/i.test(env.code ?? '') || /(page|skip) ?token.*(expired|invalid)/i.test(env.message ?? '');
  if (status === 410 || (status === 400 && hasSkipToken && expiredToken)) {
    return new SkipTokenExpiredError(`Graph no longer accepts this paging link (HTTP ${status}${codeText}) on ${where}; restart the walk from the first page.`, {
      ...ctx,
      code: env.code,
    });
  }
  const pageSize = status === 400 ? pageSizeRefusal(url, env.message ?? text) : undefined;
  if (pageSize) {
    return new GraphPageSizeError(`Graph refused the page size on ${where} (HTTP 400${codeText})${pageSize.maxTop ? `: at most ${pageSize.maxTop} per page` : ''}.`, {
      ...ctx,
      code: env.code,
      graphMessage: env.message,
      ...(pageSize.maxTop ? { maxTop: pageSize.maxTop } : {}),
    });
  }
  return new GraphBadRequestError(`Graph refused ${where} (HTTP ${status}${codeText})${graphText ? `: ${graphText}` : ''}.`, {
    ...ctx,
    code: env.code,
    graphMessage: env.message,
  });
}

/**
 * A 400 about the page size of a request that set `$top`: Graph's "Invalid page size specified: '999'. Must be
 * between 1 and 500 inclusive." or 2023's "Cannot query data for more than 120 users at a time" (not even an
 * error envelope). Returns the largest size it names, when it names one.
 */
function pageSizeRefusal(url: URL, text: string): { maxTop?: number } | undefined {
  if (!/[?&]\$top=/i.test(safeDecode(url.search))) return undefined;
  const range = /between 1 and (\d+)/i.exec(text) ?? /more than (\d+) users/i.exec(text);
  if (range) return { maxTop: Number(range[1]) };
  return /page size|\$top/i.test(text) ? {} : undefined;
}

/** A request that got no usable response: TLS trust failures are final, everything else is worth a retry. */
export function networkFailure(err: unknown, method: string, url: URL, clientRequestId: string): Error {
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

/** The whole body as text; a connection lost mid-body is a network failure. */
export async function readBody(res: Dispatcher.ResponseData, url: URL, clientRequestId: string): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw networkFailure(err, 'GET', url, clientRequestId);
  }
}
