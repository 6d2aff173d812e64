// The "I still need it" page as a Node request handler, mounted by `serve` under its base URL (or by a test's own
// server): GET /respond/<token> shows the question, POST /respond/<token> records the answer. The sealed token in
// the path is the only credential, and it is single-use, so the form needs no CSRF token: a forged cross-site post
// would have to know the link, and then it is the link's owner. Tokens are never logged; responses are not cached,
// send no Referer, and allow no script (page.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NoticeTokenError, openNoticeToken, USER_RESPONSE_PREFIX, type NoticeClaims } from '../../identity/notice-token';
import { ReclamationClosedError, type DeliverAnswer } from './deliver';
import { PAGE_CSP, questionPage, recordedPage, refusalPage } from './page';
import type { ResponseStore } from './store';

export { USER_RESPONSE_PREFIX };
const MAX_BODY = 1024;

export interface UserResponseDeps {
  /** The derived notice key (identity/notice-token.ts readNoticeKeyFile), never the workers' private key. */
  noticeKey: Buffer;
  store: ResponseStore;
  deliver: DeliverAnswer;
  /** Unix seconds; tests move it. */
  now?: () => number;
  /** Problems only (never a token or a name). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const reply = (res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { ...HEADERS, ...extra });
  res.end(html);
};

/** Drains a small form body; false when it is larger than any form of this page. */
const drain = (req: IncomingMessage): Promise<boolean> =>
  new Promise((resolve) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
    });
    req.on('end', () => resolve(size <= MAX_BODY));
    req.on('close', () => resolve(size <= MAX_BODY));
  });

/** True when the request is for this page (serve mounts the handler on it). */
export const isUserResponsePath = (url: string | undefined): boolean => (url ?? '').split('?')[0]!.startsWith(USER_RESPONSE_PREFIX);

export function createUserResponseHandler(deps: UserResponseDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const opened = (token: string): NoticeClaims | 'invalid' | 'expired' => {
    try {
      return openNoticeToken(token, deps.noticeKey, now());
    } catch (err) {
      if (err instanceof NoticeTokenError) return err.problem === 'expired' ? 'expired' : 'invalid';
      throw err;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const pathOnly = (req.url ?? '').split('?')[0]!;
    if (!pathOnly.startsWith(USER_RESPONSE_PREFIX)) return reply(res, 404, refusalPage('invalid'));
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return reply(res, 405, refusalPage('invalid'), { allow: 'GET, POST' });
    const token = decodeURIComponent(pathOnly.slice(USER_RESPONSE_PREFIX.length));
    const claims = opened(token);
    if (claims === 'invalid') return reply(res, 404, refusalPage('invalid'));
    if (claims === 'expired') return reply(res, 410, refusalPage('expired'));
    if (req.method !== 'POST') {
      if (await deps.store.isClaimed(claims.nonce)) return reply(res, 410, refusalPage('used'));
      return reply(res, 200, questionPage(claims.products, claims.removalDate));
    }
    if (!(await drain(req))) return reply(res, 413, refusalPage('invalid'));
    if (!(await deps.store.claim(claims.nonce))) return reply(res, 409, refusalPage('used'));
    try {
      await deps.deliver(claims, token);
    } catch (err) {
      if (err instanceof ReclamationClosedError) return reply(res, 410, refusalPage('expired'));
      await deps.store.release(claims.nonce);
      deps.log?.('an answer could not be delivered', { error: (err as Error).name });
      return reply(res, 503, refusalPage('unavailable'), { 'retry-after': '120' });
    }
    return reply(res, 200, recordedPage());
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log?.('the answer page failed', { error: (err as Error).name });
      if (!res.headersSent) reply(res, 500, refusalPage('unavailable'));
      else res.destroy();
    });
  };
}
