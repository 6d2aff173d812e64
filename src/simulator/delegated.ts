// Delegated sign-in of the simulated admins through a public client app registration, as MSAL Node's
// acquireTokenByDeviceCode drives it: POST /{tenant}/oauth2/v2.0/devicecode, the user "signs in" at
// /devicelogin (or `state.directory.autoApprove` does it for them), and the token endpoint's device_code grant
// answers authorization_pending until then, and afterwards an ID token (RS256, the tenant's published key).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SimContext } from './context';
import type { DeviceCodeEntry } from './records';
import { send, type Exchange } from './http';
import { b64url, signJwt } from './jwt';

/** RFC 8628's grant type; MSAL sends the short form `device_code`, which Entra's v2.0 endpoint also accepts. */
export const DEVICE_CODE_GRANTS = ['urn:ietf:params:oauth:grant-type:device_code', 'device_code'];
const DEVICE_CODE_TTL_S = 900;
const ID_TOKEN_TTL_S = 3600;

const json = (ex: Exchange, status: number, body: unknown): void =>
  send(ex, status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache' }, JSON.stringify(body));

export function oauthFail(ex: Exchange, error: string, code: number, text: string): void {
  const ts = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  json(ex, 400, {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: randomUUID(),
  });
}

const unknownApp = (ctx: SimContext, ex: Exchange, clientId: string | null): void =>
  oauthFail(ex, 'unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory '${ctx.tenantId}'.`);

/** The object id of the user a login names (object id or UPN); any user of the tenant can sign in. */
function userOf(ctx: SimContext, login: string): string | undefined {
  const i = ctx.state.tenant.resolveUser(login);
  return i < 0 ? undefined : ctx.state.tenant.userId(i);
}

export function handleDeviceCode(ctx: SimContext, ex: Exchange, tenant: string): void {
  const t = tenant.toLowerCase();
  if (t !== ctx.tenantId && t !== ctx.tenantDomain) return oauthFail(ex, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
  const form = new URLSearchParams(ex.body.toString('utf8'));
  const clientId = form.get('client_id');
  if (clientId?.toLowerCase() !== ctx.publicClientId) return unknownApp(ctx, ex, clientId);
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) return oauthFail(ex, 'invalid_scope', 70011, "The provided value for the input parameter 'scope' is not valid: include 'openid'.");
  const userCode = randomBytes(6)
    .toString('base64url')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')
    .slice(0, 9);
  const entry: DeviceCodeEntry = {
    deviceCode: randomBytes(32).toString('base64url'),
    userCode,
    clientId: ctx.publicClientId,
    scopes,
    expiresAt: Date.now() + DEVICE_CODE_TTL_S * 1000,
  };
  const auto = ctx.state.directory.autoApprove;
  if (auto) entry.approvedBy = userOf(ctx, auto);
  ctx.deviceCodes.set(entry.deviceCode, entry);
  const verificationUri = `${ctx.authorityHost}/devicelogin`;
  json(ex, 200, {
    user_code: userCode,
    device_code: entry.deviceCode,
    verification_uri: verificationUri,
    expires_in: DEVICE_CODE_TTL_S,
    interval: ctx.state.deviceCodeInterval,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  });
}

/** GET /devicelogin: the sign-in page a person opens (a form posting the code and who they are). */
export function handleDeviceLoginPage(_ctx: SimContext, ex: Exchange): void {
  const html =
    '<!doctype html><meta charset="utf-8"><title>Sign in (simulator)</title><h1>Sign in to the simulated tenant</h1>' +
    '<form method="post" action="/devicelogin"><p><label>Code <input name="code" autofocus></label></p>' +
    '<p><label>Account (UPN) <input name="login" size="50"></label></p><button>Sign in</button></form>';
  send(ex, 200, { 'content-type': 'text/html; charset=utf-8' }, html);
}

/** POST /devicelogin `code=<user code>&login=<UPN or object id>`: the simulator's sign-in page (no password). */
export function handleDeviceLogin(ctx: SimContext, ex: Exchange): void {
  const form = new URLSearchParams(ex.body.toString('utf8'));
  const code = (form.get('code') ?? '').trim().toUpperCase();
  const entry = [...ctx.deviceCodes.values()].find((e) => e.userCode === code && e.expiresAt > Date.now());
  if (!entry) return send(ex, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'That code is unknown or has expired.');
  const who = userOf(ctx, form.get('login') ?? '');
  if (!who) return send(ex, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'No such account in this tenant.');
  entry.approvedBy = who;
  send(ex, 200, { 'content-type': 'text/plain; charset=utf-8' }, 'You have signed in. You may close this window.');
}

/** The token endpoint's device_code grant (public client: no secret). */
export function handleDeviceCodeGrant(ctx: SimContext, ex: Exchange, form: URLSearchParams): void {
  const clientId = form.get('client_id');
  if (clientId?.toLowerCase() !== ctx.publicClientId) return unknownApp(ctx, ex, clientId);
  const entry = ctx.deviceCodes.get(form.get('device_code') ?? '');
  if (!entry || entry.redeemed) return oauthFail(ex, 'invalid_grant', 70019, 'Verification code expired or unknown.');
  if (entry.expiresAt <= Date.now()) return oauthFail(ex, 'expired_token', 70020, 'The provided authorization code or refresh token has expired due to inactivity.');
  if (!entry.approvedBy) return oauthFail(ex, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
  entry.redeemed = true;
  tokenResponse(ctx, ex, entry.approvedBy, issueIdToken(ctx, entry.approvedBy));
}

/** A delegated token response for one signed-in person: their ID token and a Graph access token (User.Read). */
export function tokenResponse(ctx: SimContext, ex: Exchange, oid: string, idToken: string): void {
  const now = Math.floor(Date.now() / 1000);
  const accessToken = signJwt(
    { typ: 'JWT', alg: 'RS256', kid: ctx.signingKid },
    {
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${ctx.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + 3599,
      appid: ctx.publicClientId,
      oid,
      scp: 'openid profile User.Read',
      sub: oid,
      tid: ctx.tenantId,
      ver: '1.0',
    },
    ctx.pki.signingKeyPem,
  );
  json(ex, 200, {
    token_type: 'Bearer',
    scope: 'openid profile User.Read',
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: accessToken,
    id_token: idToken,
    client_info: b64url(JSON.stringify({ uid: oid, utid: ctx.tenantId })),
  });
}

/**
 * An ID token for one user of the tenant, signed with the key the tenant publishes at its JWKS. `overrides`
 * replaces claims (tests: expired, wrong audience); `signingKeyPem` signs with another key (a forgery).
 */
export function issueIdToken(ctx: SimContext, userIdOrUpn: string, overrides: Record<string, unknown> = {}, signingKeyPem?: string): string {
  const i = ctx.state.tenant.resolveUser(userIdOrUpn);
  if (i < 0) throw new Error(`no simulated user ${userIdOrUpn}`);
  const u = ctx.state.tenant.userAt(i);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    aud: ctx.publicClientId,
    iss: `${ctx.authorityHost}/${ctx.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + ID_TOKEN_TTL_S,
    aio: b64url(randomBytes(24)),
    name: u.displayName,
    oid: u.id,
    preferred_username: u.userPrincipalName,
    rh: '0.simulated.',
    // Pairwise: stable per user and app, as Entra issues it.
    sub: createHash('sha256').update(`${u.id}:${ctx.publicClientId}`).digest('base64url').slice(0, 43),
    tid: ctx.tenantId,
    uti: b64url(randomBytes(16)),
    ver: '2.0',
    ...overrides,
  };
  return signJwt({ typ: 'JWT', alg: 'RS256', kid: ctx.signingKid }, claims, signingKeyPem ?? ctx.pki.signingKeyPem);
}
