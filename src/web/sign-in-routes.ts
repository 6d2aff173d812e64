// Signing in and out. /signin starts MSAL's authorization code flow with PKCE (identity/auth-code-sign-in.ts) and
// keeps the verifier, state and nonce here, keyed by a short-lived cookie; /auth/callback checks the state, redeems
// the code, verifies the ID token as the workers will (signature, issuer, audience, nonce) and opens a session.
import { timingSafeEqual } from 'node:crypto';
import type { AuthCodeSignIn } from '../identity/auth-code-sign-in';
import { SignInError } from '../identity/device-code-sign-in';
import { IdTokenError, type IdTokenVerifier } from '../identity/verify-id-token';
import { FORM_TOKEN_FIELD, type FormTokens } from './csrf';
import { html, redirect, type WebResponse } from './http';
import { h } from './pages/html';
import { layout, messagePage } from './pages/layout';
import type { Route } from './routes';
import { cookie, SESSION_COOKIE, SIGN_IN_COOKIE, type SessionStore } from './sessions';

export interface SignInDeps {
  sessions: SessionStore;
  formTokens: FormTokens;
  signIn: () => AuthCodeSignIn;
  verifier: IdTokenVerifier;
  secureCookies: boolean;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** Only a path of this server (no scheme, no host, no `//`): an open redirect would hand the session's trust away. */
export function safeReturnPath(v: string | null): string {
  return v && /^\/(?!\/)[A-Za-z0-9/_.-]*$/.test(v) ? v : '/';
}

/** The `name` claim of a token already verified. */
function nameClaim(idToken: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { name?: unknown };
    return typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : undefined;
  } catch {
    return undefined;
  }
}

const sameText = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function signInRoutes(d: SignInDeps): Route[] {
  const clearSignIn = cookie(SIGN_IN_COOKIE, '', { secure: d.secureCookies, sameSite: 'Lax', maxAgeSeconds: 0, path: '/auth/' });
  const failed = (text: string): WebResponse => html(400, messagePage('Sign-in failed', text), { 'set-cookie': clearSignIn });
  return [
    {
      method: 'GET',
      pattern: /^\/signin$/,
      signedIn: false,
      async handle({ req }) {
        const { url, pending } = await d.signIn().begin();
        const key = d.sessions.startSignIn({ ...pending, returnTo: safeReturnPath(req.query.get('return')) });
        // Lax, not Strict: the authority sends the browser back with a cross-site redirect, which must carry it.
        return redirect(url, { 'set-cookie': cookie(SIGN_IN_COOKIE, key, { secure: d.secureCookies, sameSite: 'Lax', maxAgeSeconds: 600, path: '/auth/' }) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/auth\/callback$/,
      signedIn: false,
      async handle({ req }) {
        const pending = d.sessions.takeSignIn(req.cookies.get(SIGN_IN_COOKIE));
        if (req.query.get('error')) return failed(`The sign-in was not completed (${req.query.get('error')}). Start again.`);
        const code = req.query.get('code');
        const state = req.query.get('state') ?? '';
        // A callback this browser did not start (a link someone sent, a replayed redirect) opens nothing.
        if (!pending || !code || !sameText(state, pending.state)) return failed('This sign-in was not started in this browser, or it expired. Start again.');
        let idToken: string;
        try {
          idToken = await d.signIn().finish(code, pending);
        } catch (err) {
          if (!(err instanceof SignInError)) throw err;
          d.log('sign-in failed', { error: err.name });
          return failed(err.message);
        }
        let who;
        try {
          who = await d.verifier.verify(idToken, { nonce: pending.nonce });
        } catch (err) {
          if (err instanceof IdTokenError) {
            d.log('sign-in refused', { problem: err.problem });
            return failed(`The sign-in could not be verified (${err.problem}). Start again.`);
          }
          throw err;
        }
        const session = d.sessions.create({ idToken, objectId: who.objectId, upn: who.upn, name: nameClaim(idToken) ?? who.upn, signedInAt: who.issuedAt });
        d.log('signed in', { objectId: who.objectId });
        // A page, not a redirect: the session cookie is SameSite=Strict, so the browser sends it only on a
        // navigation this site starts, and the redirect chain from the authority is cross-site.
        const to = pending.returnTo;
        return html(
          200,
          layout('Signed in', h`<meta http-equiv="refresh" content="0;url=${to}"><div class="card center"><h1>Signed in</h1><p><a href="${to}">Continue</a></p></div>`),
          {
            'set-cookie': [cookie(SESSION_COOKIE, session.id, { secure: d.secureCookies, sameSite: 'Strict' }), clearSignIn],
          },
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/signout$/,
      signedIn: true,
      handle({ req, session }) {
        const problem = d.formTokens.consume(req.form.get(FORM_TOKEN_FIELD), session!.id, '/signout');
        if (problem) return html(403, messagePage('Not signed out', `This form was not valid (${problem}): reload the page and try again.`));
        d.formTokens.forget(session!.id);
        d.sessions.end(session!.id);
        return html(200, messagePage('Signed out', h`You are signed out. <a href="/signin">Sign in again</a>`), {
          'set-cookie': cookie(SESSION_COOKIE, '', { secure: d.secureCookies, sameSite: 'Strict', maxAgeSeconds: 0 }),
        });
      },
    },
  ];
}
