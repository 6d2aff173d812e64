// The small HTTP vocabulary of the web inbox: one request as the routes see it, and the answers they give. Every
// answer carries the same security headers (server.ts); pages are HTML strings built in pages/.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface WebRequest {
  method: string;
  /** Path only; query parameters in `query`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  cookies: Map<string, string>;
  /** Parsed application/x-www-form-urlencoded body of a POST (empty otherwise). */
  form: URLSearchParams;
  /** Path parameters a route pattern captured. */
  params: Record<string, string>;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

export const html = (status: number, body: string, headers: Record<string, string | string[]> = {}): WebResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
  body,
});

export const redirect = (location: string, headers: Record<string, string | string[]> = {}): WebResponse => ({ status: 303, headers: { location, ...headers }, body: '' });

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // The first wins: a cookie injected for a parent domain or path cannot shadow ours.
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

const FORM_LIMIT = 64 * 1024;

/** Reads a form body (at most 64 KiB); undefined when it is too large. */
export async function readFormBody(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (size > 0 && type !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function write(res: ServerResponse, r: WebResponse, common: Record<string, string>): void {
  res.writeHead(r.status, { ...common, ...r.headers, 'content-length': Buffer.byteLength(r.body) });
  res.end(r.body);
}
