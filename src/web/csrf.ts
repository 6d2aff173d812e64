// Form tokens: every form the server renders carries one, bound to the session that saw the form and to the action
// it posts to, valid once and for a limited time. A post without one (a forged cross-site form: CSRF), with another
// session's, for another action, or one already used (a replayed or double-submitted form) is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const FORM_TOKEN_FIELD = 'form_token';
const TTL_MS = 30 * 60 * 1000;
/** Per session: enough for many open tabs, bounded so a loop of page loads cannot grow memory. */
const MAX_PER_SESSION = 200;

interface Issued {
  sessionId: string;
  action: string;
  expiresAt: number;
}

export type FormTokenProblem = 'missing' | 'unknown_or_used' | 'other_session' | 'other_action' | 'expired';

export class FormTokens {
  private readonly issued = new Map<string, Issued>();
  private readonly perSession = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(sessionId: string, action: string): string {
    if (this.issued.size > 50_000) this.sweep();
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, { sessionId, action, expiresAt: this.now() + TTL_MS });
    const list = this.perSession.get(sessionId) ?? [];
    list.push(token);
    while (list.length > MAX_PER_SESSION) this.issued.delete(list.shift()!);
    this.perSession.set(sessionId, list);
    return token;
  }

  /** Consumes the token (whatever the verdict: a token is never tried twice); undefined when it is good. */
  consume(token: string | null, sessionId: string, action: string): FormTokenProblem | undefined {
    if (!token) return 'missing';
    const t = this.issued.get(token);
    this.issued.delete(token);
    if (!t) return 'unknown_or_used';
    if (!same(t.sessionId, sessionId)) return 'other_session';
    if (t.action !== action) return 'other_action';
    if (t.expiresAt <= this.now()) return 'expired';
    return undefined;
  }

  /** Drops expired tokens (of sessions that ended without signing out, too). */
  private sweep(): void {
    const t = this.now();
    for (const [token, i] of this.issued) if (i.expiresAt <= t) this.issued.delete(token);
    for (const [id, list] of this.perSession) {
      const live = list.filter((token) => this.issued.has(token));
      if (live.length) this.perSession.set(id, live);
      else this.perSession.delete(id);
    }
  }

  forget(sessionId: string): void {
    for (const token of this.perSession.get(sessionId) ?? []) this.issued.delete(token);
    this.perSession.delete(sessionId);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
