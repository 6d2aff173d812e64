// Response helpers shared by the identity, Graph and download handlers: error envelopes and fault-aware sending.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultDecision, FaultRule } from './faults';

export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export type Headers = Record<string, string | number>;

/** Per-request context handed to handlers. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
  decision: FaultDecision;
  /** Set by handlers: the fault rule that shaped the response (for the request log). */
  faultText?: string;
  /** Set by the router: which simulated endpoint handled the request. */
  endpoint?: string;
}

const isoSeconds = (): string => new Date().toISOString().slice(0, 19);

export function clientRequestId(req: IncomingMessage): string {
  const v = req.headers['client-request-id'];
  return typeof v === 'string' && v !== '' ? v : randomUUID();
}

export function graphErrorBody(req: IncomingMessage, code: string, message: string): Record<string, unknown> {
  return { error: { code, message, innerError: { date: isoSeconds(), 'request-id': randomUUID(), 'client-request-id': clientRequestId(req) } } };
}

/** Reports/reportSettings 403: the S2SUnauthorized error nested as a JSON string in `message`. */
export function s2sUnauthorizedBody(req: IncomingMessage): Record<string, unknown> {
  return graphErrorBody(req, 'UnknownError', JSON.stringify({ error: { code: 'S2SUnauthorized', message: 'Invalid permission.' } }));
}

export function throttledBody(req: IncomingMessage): Record<string, unknown> {
  const date = isoSeconds();
  return {
    error: {
      code: 'TooManyRequests',
      innerError: { code: '429', date, message: 'Please retry after', 'request-id': randomUUID(), status: '429', 'client-request-id': clientRequestId(req) },
      message: 'Please retry again later.',
    },
  };
}

/** Send a complete body, honouring a `reset` fault (Content-Length promises the whole body; the socket dies midway). */
export function send(ex: Exchange, status: number, headers: Headers, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const { res } = ex;
  const rule = ex.decision.rule;
  const h: Headers = { 'content-length': buf.length, ...headers };
  res.writeHead(status, h);
  if (rule?.kind === 'reset') {
    ex.faultText = rule.text;
    const cut = Math.min(rule.after ?? Math.floor(buf.length / 2), Math.max(0, buf.length - 1));
    res.write(buf.subarray(0, cut), () => destroySoon(res));
    return;
  }
  res.end(buf);
}

export function destroySoon(res: ServerResponse): void {
  // Let the partial write reach the client, then cut the connection without a clean end.
  setTimeout(() => res.socket?.destroy(), 15);
}

export function sendGraphJson(ex: Exchange, status: number, payload: unknown, extra: Headers = {}): void {
  send(
    ex,
    status,
    { 'content-type': GRAPH_JSON, 'odata-version': '4.0', 'request-id': randomUUID(), 'client-request-id': clientRequestId(ex.req), ...extra },
    JSON.stringify(payload),
  );
}

export function sendGraphError(ex: Exchange, status: number, code: string, message: string, extra: Headers = {}): void {
  sendGraphJson(ex, status, graphErrorBody(ex.req, code, message), extra);
}

/** Graph-style response for a status fault rule (429/5xx/outage). */
export function sendGraphFault(ex: Exchange, rule: FaultRule): void {
  ex.faultText = rule.text;
  const status = rule.status ?? 503;
  const headers: Headers = {};
  if (rule.retryAfter !== undefined) headers['retry-after'] = rule.retryAfter;
  if (status === 429) {
    headers['x-ms-throttle-scope'] = 'Tenant_Application/ReadWrite/simulator';
    headers['x-ms-throttle-information'] = 'ResourceUnitLimitExceeded';
    sendGraphJson(ex, 429, throttledBody(ex.req), headers);
    return;
  }
  const codes: Record<number, [string, string]> = {
    500: ['generalException', 'An internal server error occurred.'],
    502: ['BadGateway', 'Bad gateway.'],
    503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry later.'],
    504: ['UnknownError', 'Gateway timeout.'],
  };
  const [code, message] = codes[status] ?? ['UnknownError', `Simulated failure ${status}.`];
  sendGraphError(ex, status, code, message, headers);
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) throw new Error('request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
