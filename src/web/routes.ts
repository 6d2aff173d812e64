// The web inbox's routes in one table: method, path pattern, handler. Other parts of the project mount their own
// pages here (a prefix and a handler of their own), e.g. the page a user answers a removal notice on:
//   mounts: [{ prefix: '/respond/', handler: userResponseHandler }]
// A mounted handler gets the raw Node request and response and answers by itself (its own sign-in and tokens).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebRequest, WebResponse } from './http';
import type { Session } from './sessions';

export interface RouteContext {
  req: WebRequest;
  /** The signed-in person, when there is one. */
  session?: Session;
  /** A fresh single-use form token for a form posting to `action` (needs a session). */
  formToken(action: string): string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the whole path; named groups become `req.params`. */
  pattern: RegExp;
  /** false: reachable signed out (sign-in pages, the stylesheet). */
  signedIn: boolean;
  handle(ctx: RouteContext): Promise<WebResponse> | WebResponse;
}

export interface Mount {
  /** Path prefix, with a trailing slash: everything below it goes to `handler`. */
  prefix: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | 'wrong_method' | undefined {
  let wrongMethod = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      wrongMethod = true;
      continue;
    }
    return { route, params: { ...(m.groups ?? {}) } };
  }
  return wrongMethod ? 'wrong_method' : undefined;
}
