// Sessions of signed-in people, in the server's memory only (a restart signs everyone out). The browser holds a
// random id in an HTTP-only, SameSite=Strict cookie (Secure behind TLS); the raw ID token stays here, is sealed for
// the workers per decision, and is never sent back to the browser. Sign-ins in progress (PKCE verifier, state,
// nonce) wait here too, tied to the browser by their own short-lived cookie.
import { randomBytes } from 'node:crypto';
import type { PendingSignIn } from '../identity/auth-code-sign-in';

export const SESSION_COOKIE = 'm365_session';
export const SIGN_IN_COOKIE = 'm365_signin';
const SESSION_IDLE_MS = 30 * 60 * 1000;
const SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** Anyone can start a sign-in: the oldest unfinished ones give way, so a flood cannot fill memory. */
const MAX_PENDING = 10_000;

export interface Session {
  id: string;
  /** The raw ID token of the last sign-in: sealed into each decision's proof, never shown. */
  idToken: string;
  objectId: string;
  upn: string;
  /** The `name` claim of the sign-in (shown in the top bar), or the UPN. */
  name: string;
  /** When the sign-in was made (the token's iat, seconds): a decision needs a fresh one. */
  signedInAt: number;
  lastSeen: number;
  /** One message for the next page shown (the outcome of a decision), then gone. */
  flash?: { ok: boolean; text: string };
}

export interface PendingEntry extends PendingSignIn {
  /** Where to go once signed in (a path of this server). */
  returnTo: string;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, PendingEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  create(fields: Omit<Session, 'id' | 'lastSeen'>): Session {
    this.sweep();
    const s: Session = { ...fields, id: randomBytes(32).toString('base64url'), lastSeen: this.now() };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (this.now() - s.lastSeen > SESSION_IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = this.now();
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Keeps a sign-in in progress under a fresh random key (the cookie value); returns the key. */
  startSignIn(entry: PendingEntry): string {
    this.sweep();
    const key = randomBytes(24).toString('base64url');
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(key, entry);
    return key;
  }

  /** Takes (once) the sign-in in progress this browser started. */
  takeSignIn(key: string | undefined): PendingEntry | undefined {
    if (!key) return undefined;
    const e = this.pending.get(key);
    this.pending.delete(key);
    if (!e || this.now() - e.createdAt > SIGN_IN_TTL_MS) return undefined;
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.sessions) if (t - s.lastSeen > SESSION_IDLE_MS) this.sessions.delete(k);
    for (const [k, e] of this.pending) if (t - e.createdAt > SIGN_IN_TTL_MS) this.pending.delete(k);
  }
}

/** A Set-Cookie value: HTTP-only always, Secure behind TLS; SameSite as given (Strict for the session). */
export function cookie(name: string, value: string, opts: { secure: boolean; sameSite: 'Strict' | 'Lax'; maxAgeSeconds?: number; path?: string }): string {
  return [
    `${name}=${value}`,
    `Path=${opts.path ?? '/'}`,
    'HttpOnly',
    `SameSite=${opts.sameSite}`,
    ...(opts.secure ? ['Secure'] : []),
    ...(opts.maxAgeSeconds !== undefined ? [`Max-Age=${opts.maxAgeSeconds}`] : []),
  ].join('; ');
}
