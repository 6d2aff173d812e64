// The web inbox's HTTP(S) server: security headers on every answer, mounted handlers, the stylesheet, then the
// routes table (routes.ts) with sessions (sessions.ts) and single-use form tokens (csrf.ts). Logs carry the method,
// the path (workflow ids, never names or UPNs; never a query string, which may hold a sign-in code) and the status.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import { AuthCodeSignIn } from '../identity/auth-code-sign-in';
import { IdTokenVerifier } from '../identity/verify-id-token';
import { FormTokens } from './csrf';
import { html, parseCookies, readFormBody, redirect, write, type WebRequest, type WebResponse } from './http';
import { inboxRoutes, type InboxDeps } from './inbox-routes';
import { messagePage } from './pages/layout';
import { STYLE_CSS } from './pages/style';
import { matchRoute, type Mount, type Route } from './routes';
import { SESSION_COOKIE, SessionStore } from './sessions';
import { signInRoutes } from './sign-in-routes';
import type { ServeOptions } from './options';

export interface WebServerDeps extends Omit<InboxDeps, 'formTokens' | 'log'> {
  /** The tenant's sign-in settings (approval-settings.ts): the public client the CLI signs in with. */
  authorityHost: string;
  clientId: string;
  caPem?: string;
  logger: Logger;
  /** Handlers of other parts mounted under a path prefix (routes.ts). */
  mounts?: Mount[];
}

export interface RunningWebServer {
  url: string;
  close(): Promise<void>;
}

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function commonHeaders(tls: boolean): Record<string, string> {
  return {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // Not no-referrer: with it, browsers send `Origin: null` on the inbox's own forms, and the origin check refuses them.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-store',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

interface Answering {
  routes: Route[];
  sessions: SessionStore;
  formTokens: FormTokens;
  /** This server's origin as browsers see it: a post from any other is refused. */
  origin: string;
}

/** One request to one answer: the stylesheet, then the routes table, with the origin, body and session checks. */
function answerer({ routes, sessions, formTokens, origin }: Answering) {
  return async function answer(req: IncomingMessage, path: string, query: URLSearchParams): Promise<WebResponse> {
    const method = req.method ?? 'GET';
    // Browsers ask for it on their own; no icon, and no 404 in their console.
    if (method === 'GET' && path === '/favicon.ico') return { status: 204, headers: {}, body: '' };
    if (method === 'GET' && path === '/static/style.css')
      return { status: 200, headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }, body: STYLE_CSS };
    const matched = matchRoute(routes, method, path);
    if (matched === undefined) return html(404, messagePage('Not found', 'There is no such page.'));
    if (matched === 'wrong_method') return html(405, messagePage('Not allowed', 'This page does not take that kind of request.'));
    let form = new URLSearchParams();
    if (method === 'POST') {
      // A cross-site post is refused before anything else (the form token refuses it too).
      const from = req.headers.origin;
      if (from !== undefined && from !== origin) return html(403, messagePage('Refused', 'This form was sent from another site.'));
      const body = await readFormBody(req);
      if (!body) return html(413, messagePage('Too large', 'The form was too large.'));
      form = body;
    }
    const cookies = parseCookies(req.headers.cookie);
    const session = sessions.get(cookies.get(SESSION_COOKIE));
    if (matched.route.signedIn && !session) {
      if (method === 'GET') return redirect(`/signin?return=${encodeURIComponent(path)}`);
      return html(403, messagePage('Signed out', 'Your session has ended: sign in again, then repeat what you were doing.'));
    }
    const wreq: WebRequest = { method, path, query, headers: req.headers, cookies, form, params: matched.params };
    return matched.route.handle({ req: wreq, ...(session ? { session } : {}), formToken: (action) => formTokens.issue(session!.id, action) });
  };
}

export async function startWebServer(opts: ServeOptions, deps: WebServerDeps): Promise<RunningWebServer> {
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }) : createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const url = opts.publicUrl ?? `${opts.tls ? 'https' : 'http'}://${hostInUrl}:${port}`;
  const origin = new URL(url).origin;
  const secureCookies = !!opts.tls || url.startsWith('https:');
  const headers = commonHeaders(!!opts.tls);
  const log = (event: string, fields: Record<string, unknown> = {}): void => deps.logger.info(fields, `web: ${event}`);

  const sessions = new SessionStore();
  const formTokens = new FormTokens();
  const signIn = new AuthCodeSignIn({
    authorityHost: deps.authorityHost,
    tenantId: deps.tenantId,
    clientId: deps.clientId,
    redirectUri: `${url}/auth/callback`,
    ...(deps.caPem ? { caPem: deps.caPem } : {}),
  });
  const verifier = new IdTokenVerifier({ authorityHost: deps.authorityHost, tenantId: deps.tenantId, clientId: deps.clientId, ...(deps.caPem ? { caPem: deps.caPem } : {}) });
  const routes: Route[] = [...signInRoutes({ sessions, formTokens, signIn: () => signIn, verifier, secureCookies, log }), ...inboxRoutes({ ...deps, formTokens, log })];

  const answer = answerer({ routes, sessions, formTokens, origin });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const parsed = new URL(req.url ?? '/', 'http://inbox.invalid');
    const path = parsed.pathname;
    const mount = deps.mounts?.find((m) => path.startsWith(m.prefix));
    if (mount) {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      Promise.resolve(mount.handler(req, res)).catch((err: unknown) => {
        deps.logger.error({ path: mount.prefix, error: (err as Error).name }, 'web: mounted handler failed');
        if (!res.headersSent) write(res, html(500, messagePage('Something went wrong', 'Try again in a moment.')), headers);
      });
      return;
    }
    answer(req, path, parsed.searchParams)
      .catch((err: unknown) => {
        // The error's name only: messages may quote data (a DuckDB value, a name).
        deps.logger.error({ method: req.method, path, error: (err as Error).name }, 'web: request failed');
        return html(500, messagePage('Something went wrong', 'The request could not be completed: try again in a moment. If it persists, the server log says why.'));
      })
      .then((r) => {
        write(res, r, headers);
        deps.logger.debug({ method: req.method, path, status: r.status, ms: Date.now() - started }, 'web: request');
      })
      .catch(() => res.destroy());
  });

  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await signIn.close();
      await verifier.close();
    },
  };
}
