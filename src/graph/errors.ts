// Typed failures of the identity platform and Microsoft Graph. Temporal matches retry policies on `name`,
// so every name is a fixed string; messages say what the admin must do and never carry secrets or UPNs.

export interface GraphErrorContext {
  /** Our `client-request-id` header (a fresh GUID per request). */
  clientRequestId?: string;
  /** Graph's `request-id` response header, or the token endpoint's trace id. */
  requestId?: string;
  status?: number;
  cause?: unknown;
}

abstract class GraphError extends Error {
  readonly clientRequestId?: string;
  readonly requestId?: string;
  readonly status?: number;

  constructor(message: string, ctx: GraphErrorContext = {}) {
    super(withIds(message, ctx), ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.clientRequestId = ctx.clientRequestId;
    this.requestId = ctx.requestId;
    this.status = ctx.status;
  }
}

/** 429 (or a throttling AADSTS code) that outlasted the client's retry budget. Retryable later. */
export class GraphThrottledError extends GraphError {
  override name = 'GraphThrottledError';
  readonly retryAfterMs?: number;
  constructor(message: string, ctx: GraphErrorContext & { retryAfterMs?: number } = {}) {
    super(message, ctx);
    this.retryAfterMs = ctx.retryAfterMs;
  }
}

/** 5xx, timeouts and network failures (Graph, the reports host or the token endpoint). Retryable. */
export class GraphTransientError extends GraphError {
  override name = 'GraphTransientError';
  readonly retryAfterMs?: number;
  constructor(message: string, ctx: GraphErrorContext & { retryAfterMs?: number } = {}) {
    super(message, ctx);
    this.retryAfterMs = ctx.retryAfterMs;
  }
}

/** The credentials are wrong, expired or unknown (AADSTS codes), or Graph refused the token (401). */
export class GraphAuthError extends GraphError {
  override name = 'GraphAuthError';
  readonly aadsts?: number;
  constructor(message: string, ctx: GraphErrorContext & { aadsts?: number } = {}) {
    super(message, ctx);
    this.aadsts = ctx.aadsts;
  }
}

/** Application permissions missing or not consented (403, or a preflight on the token's roles). */
export class GraphPermissionError extends GraphError {
  override name = 'GraphPermissionError';
  readonly missing: string[];
  /** Graph's `error.code` of the 403 (callers match on it, never on the message, which Microsoft may reword). */
  readonly code?: string;
  constructor(message: string, ctx: GraphErrorContext & { missing?: string[]; code?: string } = {}) {
    super(message, ctx);
    this.missing = ctx.missing ?? [];
    this.code = ctx.code;
  }
}

export class GraphNotFoundError extends GraphError {
  override name = 'GraphNotFoundError';
  readonly code?: string;
  constructor(message: string, ctx: GraphErrorContext & { code?: string } = {}) {
    super(message, ctx);
    this.code = ctx.code;
  }
}

/** 400 and other 4xx a retry cannot fix. `graphMessage` is Graph's text verbatim (may name a user: do not log it). */
export class GraphBadRequestError extends GraphError {
  override name = 'GraphBadRequestError';
  readonly code?: string;
  readonly graphMessage?: string;
  constructor(message: string, ctx: GraphErrorContext & { code?: string; graphMessage?: string } = {}) {
    super(message, ctx);
    this.code = ctx.code;
    this.graphMessage = ctx.graphMessage;
  }
}

/**
 * Graph refused the page size (`$top`) as too large. `maxTop` is the largest it named, when it named one
 * ("Must be between 1 and 500 inclusive", or 2023's "Cannot query data for more than 120 users at a time").
 */
export class GraphPageSizeError extends GraphBadRequestError {
  override name = 'GraphPageSizeError';
  readonly maxTop?: number;
  constructor(message: string, ctx: GraphErrorContext & { code?: string; graphMessage?: string; maxTop?: number } = {}) {
    super(message, ctx);
    this.maxTop = ctx.maxTop;
  }
}

/**
 * A `@odata.nextLink` the service no longer accepts: Graph answers 400 `Directory_ExpiredPageToken`
 * ("The specified page token value has expired ..."), and some services 410 Gone. Retrying the same link
 * cannot succeed; the caller restarts the walk from the first page.
 */
export class SkipTokenExpiredError extends GraphError {
  override name = 'SkipTokenExpiredError';
  readonly code?: string;
  constructor(message: string, ctx: GraphErrorContext & { code?: string } = {}) {
    super(message, ctx);
    this.code = ctx.code;
  }
}

/** The server's certificate is not trusted (or does not match the host). Never "fixed" by disabling verification. */
export class GraphTlsError extends GraphError {
  override name = 'GraphTlsError';
}

function withIds(message: string, ctx: GraphErrorContext): string {
  const ids: string[] = [];
  if (ctx.requestId) ids.push(`request-id ${ctx.requestId}`);
  if (ctx.clientRequestId) ids.push(`client-request-id ${ctx.clientRequestId}`);
  return ids.length ? `${message} (${ids.join(', ')})` : message;
}

/** Removes e-mail addresses / UPNs from text that may end up in logs or workflow history. */
export function redactPersonalData(text: string): string {
  return text.replace(/[^\s'"<>(),;:/]+@[^\s'"<>(),;:/]+/g, '<user>');
}
