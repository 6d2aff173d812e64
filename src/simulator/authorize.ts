// Delegated sign-in through a browser, as MSAL Node's getAuthCodeUrl / acquireTokenByCode drive it on the public
// client: GET /{tenant}/oauth2/v2.0/authorize shows a sign-in page (pick a simulated person, no password), its form
// posts back, and the browser is redirected to the app's redirect URI with a one-time code. The token endpoint's
// authorization_code grant redeems the code once, only with the PKCE verifier whose S256 hash the authorize request
// carried and the same redirect URI, and answers with an ID token signed like every other (delegated.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { SimContext } from './context';
import type { AuthorizeStore } from './records';
import { issueIdToken, oauthFail, tokenResponse } from './delegated';
import { send, type Exchange } from './http';

const CODE_TTL_S = 300;
const PENDING_TTL_S = 900;

export const newAuthorizeStore = (): AuthorizeStore => ({ pending: new Map(), codes: new Map() });

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(ex: Exchange, status: number, body: string): void {
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign in (simulator)</title>${body}</html>`;
  // No form-action directive: the form's answer redirects to the application, another origin.
  send(ex, status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" }, html);
}

/**
 * Entra accepts only registered redirect URIs; the simulated public client is registered, as a desktop app is, for
 * any loopback http address and any https address (the web inbox behind TLS).
 */
function redirectAllowed(uri: string): boolean {
  try {
    const u = new URL(uri);
    if (u.hash) return false;
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const tenantKnown = (ctx: SimContext, t: string): boolean => [ctx.tenantId, ctx.tenantDomain].includes(t.toLowerCase());

/** GET /{tenant}/oauth2/v2.0/authorize: checks the request and shows the sign-in page. */
export function handleAuthorizePage(ctx: SimContext, ex: Exchange, tenant: string): void {
  const q = ex.url.searchParams;
  if (!tenantKnown(ctx, tenant)) return page(ex, 400, `<p>AADSTS90002: Tenant '${escape(tenant)}' not found.</p>`);
  if (q.get('client_id')?.toLowerCase() !== ctx.publicClientId)
    return page(ex, 400, `<p>AADSTS700016: Application with identifier '${escape(q.get('client_id') ?? '')}' was not found in the directory.</p>`);
  const redirectUri = q.get('redirect_uri') ?? '';
  // An unregistered redirect URI is never redirected to (that would hand the code to anyone).
  if (!redirectAllowed(redirectUri))
    return page(ex, 400, '<p>AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.</p>');
  if (q.get('response_type') !== 'code') return page(ex, 400, '<p>AADSTS70000: response_type must be code.</p>');
  const challenge = q.get('code_challenge') ?? '';
  // A public client must use PKCE with S256 here: a code taken from a redirect is worthless without the verifier.
  if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
    return page(ex, 400, '<p>AADSTS9002325: Proof Key for Code Exchange (S256) is required for this public client.</p>');
  const scopes = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) return page(ex, 400, "<p>AADSTS70011: The provided value for the input parameter 'scope' is not valid: include 'openid'.</p>");
  const id = randomBytes(18).toString('base64url');
  ctx.authorize.pending.set(id, {
    redirectUri,
    codeChallenge: challenge,
    scopes,
    expiresAt: Date.now() + PENDING_TTL_S * 1000,
    ...(q.get('state') !== null ? { state: q.get('state')! } : {}),
    ...(q.get('nonce') ? { nonce: q.get('nonce')! } : {}),
  });
  const people = ctx.state.directory.admins.map((oid, n) => {
    const u = ctx.state.tenant.userAt(ctx.state.tenant.resolveUser(oid));
    return `<p><label><input type="radio" name="login" value="${escape(u.userPrincipalName)}"${n === 0 ? ' checked' : ''}> ${escape(u.displayName)} &lt;${escape(u.userPrincipalName)}&gt;</label></p>`;
  });
  page(
    ex,
    200,
    `<h1>Sign in to the simulated tenant</h1><p>An application asks who you are (${escape(scopes.join(' '))}). Pick an account:</p>` +
      `<form method="post" action="/${escape(ctx.tenantId)}/oauth2/v2.0/authorize"><input type="hidden" name="request" value="${id}">${people.join('')}` +
      `<p><label>or another account (UPN) <input name="other" size="50"></label></p><button>Sign in</button></form>`,
  );
}

/** POST /{tenant}/oauth2/v2.0/authorize `request=…&login=<UPN>` (or `other=<UPN>`): redirects back with a code. */
export function handleAuthorizeSubmit(ctx: SimContext, ex: Exchange, tenant: string): void {
  if (!tenantKnown(ctx, tenant)) return page(ex, 400, `<p>AADSTS90002: Tenant '${escape(tenant)}' not found.</p>`);
  const form = new URLSearchParams(ex.body.toString('utf8'));
  const id = form.get('request') ?? '';
  const pending = ctx.authorize.pending.get(id);
  ctx.authorize.pending.delete(id);
  if (!pending || pending.expiresAt <= Date.now()) return page(ex, 400, '<p>This sign-in page has expired or was already used: start again from the application.</p>');
  const login = (form.get('other') ?? '').trim() || (form.get('login') ?? '');
  const i = ctx.state.tenant.resolveUser(login);
  if (i < 0) return page(ex, 400, '<p>No such account in this tenant.</p>');
  const code = randomBytes(32).toString('base64url');
  ctx.authorize.codes.set(code, {
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    userId: ctx.state.tenant.userId(i),
    expiresAt: Date.now() + CODE_TTL_S * 1000,
    ...(pending.nonce ? { nonce: pending.nonce } : {}),
  });
  const target = new URL(pending.redirectUri);
  target.searchParams.set('code', code);
  if (pending.state !== undefined) target.searchParams.set('state', pending.state);
  send(ex, 302, { location: target.toString(), 'cache-control': 'no-store' }, '');
}

/** The token endpoint's authorization_code grant (public client: PKCE instead of a secret). */
export function handleAuthCodeGrant(ctx: SimContext, ex: Exchange, form: URLSearchParams): void {
  const clientId = form.get('client_id');
  if (clientId?.toLowerCase() !== ctx.publicClientId)
    return oauthFail(ex, 'unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory '${ctx.tenantId}'.`);
  const code = form.get('code') ?? '';
  const entry = ctx.authorize.codes.get(code);
  if (!entry || entry.redeemed || entry.expiresAt <= Date.now())
    return oauthFail(ex, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity, or was already redeemed.');
  // Redeemed (or spoiled) by the first attempt, right or wrong: a stolen code cannot be tried again.
  entry.redeemed = true;
  if (form.get('redirect_uri') !== entry.redirectUri) return oauthFail(ex, 'invalid_grant', 70002, 'The redirect URI does not match the one the authorization code was issued to.');
  const verifier = form.get('code_verifier') ?? '';
  const computed = createHash('sha256').update(verifier).digest('base64url');
  if (!verifier || computed !== entry.codeChallenge)
    return oauthFail(ex, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  const idToken = issueIdToken(ctx, entry.userId, entry.nonce ? { nonce: entry.nonce } : {});
  tokenResponse(ctx, ex, entry.userId, idToken);
}
