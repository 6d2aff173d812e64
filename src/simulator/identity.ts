// Microsoft identity platform endpoints as MSAL Node calls them for an authority in `knownAuthorities`:
// GET /{tenant}/v2.0/.well-known/openid-configuration and POST /{tenant}/oauth2/v2.0/token (client credentials;
// the public client's device-code and authorization-code grants are in delegated.ts and authorize.ts).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { SimContext } from './context';
import { send, type Exchange, type Headers } from './http';
import { handleAuthCodeGrant } from './authorize';
import { DEVICE_CODE_GRANTS, handleDeviceCodeGrant } from './delegated';
import { b64url, decodeJwt, signJwt, verifyJwt } from './jwt';

const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const stamp = (): string => new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';

function oauthError(ctx: SimContext, ex: Exchange, status: number, error: string, code: number, text: string, correlationId?: string): void {
  const trace = randomUUID();
  const corr = correlationId ?? randomUUID();
  const ts = stamp();
  const body = {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: trace,
    correlation_id: corr,
    error_uri: `${ctx.authorityHost}/error?code=${code}`,
  };
  send(ex, status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache' }, JSON.stringify(body));
}

function tenantMatches(ctx: SimContext, t: string): boolean {
  const l = t.toLowerCase();
  return l === ctx.tenantId || l === ctx.tenantDomain;
}

const unknownTenant = (ctx: SimContext, ex: Exchange, t: string): void =>
  oauthError(
    ctx,
    ex,
    400,
    'invalid_request',
    90002,
    `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );

/** Token-endpoint fault (outage / status rules). */
export function sendTokenFault(ctx: SimContext, ex: Exchange): void {
  const rule = ex.decision.rule!;
  ex.faultText = rule.text;
  const status = rule.status ?? 503;
  const headers: Headers = { 'content-type': 'application/json; charset=utf-8' };
  if (rule.retryAfter !== undefined) headers['retry-after'] = rule.retryAfter;
  const trace = randomUUID();
  const ts = stamp();
  const code = status === 429 ? 90055 : 90033;
  const text = status === 429 ? 'TenantThrottlingError - There are too many incoming requests.' : 'A transient error has occurred. Please try again.';
  const body = {
    error: status === 429 ? 'invalid_request' : 'temporarily_unavailable',
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: trace,
  };
  send(ex, status, headers, JSON.stringify(body));
}

export function handleOidc(ctx: SimContext, ex: Exchange, tenant: string, what: 'config' | 'keys'): void {
  if (!tenantMatches(ctx, tenant)) return unknownTenant(ctx, ex, tenant);
  const base = `${ctx.authorityHost}/${ctx.tenantId}`;
  if (what === 'keys') {
    const jwk = ctx.signingKey.export({ format: 'jwk' });
    const body = { keys: [{ kty: 'RSA', use: 'sig', kid: ctx.signingKid, x5t: ctx.signingKid, n: jwk.n, e: jwk.e, issuer: `${base}/v2.0` }] };
    return send(ex, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body));
  }
  const doc = {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.graphUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'WW',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
  send(ex, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(doc));
}

function secretEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function handleToken(ctx: SimContext, ex: Exchange, tenant: string): void {
  if (!tenantMatches(ctx, tenant)) return unknownTenant(ctx, ex, tenant);
  const form = new URLSearchParams(ex.body.toString('utf8'));
  const corr = form.get('client-request-id') ?? undefined;
  const err = (status: number, error: string, code: number, text: string): void => oauthError(ctx, ex, status, error, code, text, corr);

  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = ex.req.headers.authorization;
  if (basic?.startsWith('Basic ')) {
    const dec = Buffer.from(basic.slice(6), 'base64').toString('utf8');
    const colon = dec.indexOf(':');
    if (colon > 0) {
      clientId ??= decodeURIComponent(dec.slice(0, colon));
      secret ??= decodeURIComponent(dec.slice(colon + 1));
    }
  }
  const grant = form.get('grant_type');
  if (!grant) return err(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (DEVICE_CODE_GRANTS.includes(grant)) return handleDeviceCodeGrant(ctx, ex, form);
  if (grant === 'authorization_code') return handleAuthCodeGrant(ctx, ex, form);
  if (grant !== 'client_credentials') return err(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
  if (!clientId) return err(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (clientId.toLowerCase() !== ctx.clientId) {
    return err(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const scope = form.get('scope');
  if (!scope) return err(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
  const scopes = scope.split(/\s+/).filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s));
  const okScope = scopes.length === 1 && [`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`, `${GRAPH_APP_ID}/.default`].includes(scopes[0]!);
  if (!okScope) {
    return err(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    );
  }

  const assertion = form.get('client_assertion');
  let acr: '1' | '2';
  if (secret) {
    if (secretEquals(secret, ctx.clientSecretId) || !secretEquals(secret, ctx.clientSecret)) {
      return err(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${ctx.clientId}'.`,
      );
    }
    if (ctx.state.secretExpired) {
      return err(
        401,
        'invalid_client',
        7000222,
        `The provided client secret keys for app '${ctx.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      );
    }
    acr = '1';
  } else if (assertion) {
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return err(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
    }
    const problem = checkAssertion(ctx, assertion);
    if (problem) return err(401, 'invalid_client', problem[0], problem[1]);
    acr = '2';
  } else {
    return err(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }

  const claims = appTokenClaims(ctx, acr);
  if (ctx.state.roles.length > 0) claims.roles = ctx.state.roles.slice();
  const token = signJwt({ typ: 'JWT', alg: 'RS256', x5t: ctx.signingKid, kid: ctx.signingKid }, claims, ctx.pki.signingKeyPem);
  const body = { token_type: 'Bearer', expires_in: ctx.state.tokenLifetimeSeconds, ext_expires_in: ctx.state.tokenLifetimeSeconds, access_token: token };
  send(ex, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }, JSON.stringify(body));
}

/** The claims of an app-only access token for Graph, as the identity platform issues them (v1.0 token). */
function appTokenClaims(ctx: SimContext, acr: '1' | '2'): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const iss = `https://sts.windows.net/${ctx.tenantId}/`;
  return {
    aud: GRAPH_RESOURCE,
    iss,
    iat: now,
    nbf: now,
    exp: now + ctx.state.tokenLifetimeSeconds,
    aio: b64url(Buffer.from(randomUUID())),
    app_displayname: 'm365-license-pipeline',
    appid: ctx.clientId,
    appidacr: acr,
    idp: iss,
    idtyp: 'app',
    oid: ctx.servicePrincipalId,
    rh: '0.simulated.',
    sub: ctx.servicePrincipalId,
    tenant_region_scope: 'WW',
    tid: ctx.tenantId,
    uti: b64url(Buffer.from(randomUUID().replace(/-/g, ''), 'hex')),
    ver: '1.0',
    xms_tcdt: 1600000000,
  };
}

/** Validates a client assertion JWT against the registered certificate; returns [AADSTS code, text] on failure. */
function checkAssertion(ctx: SimContext, assertion: string): [number, string] | undefined {
  const d = decodeJwt(assertion);
  if (!d) return [50027, 'JWT token is invalid or malformed.'];
  const x5t = typeof d.header.x5t === 'string' ? d.header.x5t : undefined;
  const x5t256 = typeof d.header['x5t#S256'] === 'string' ? d.header['x5t#S256'] : undefined;
  const want = x5t256 !== undefined ? Buffer.from(ctx.pki.clientThumbprintSha256, 'hex').toString('base64url') : Buffer.from(ctx.pki.clientThumbprint, 'hex').toString('base64url');
  const got = x5t256 ?? x5t;
  if (got === undefined || got.replace(/=+$/, '') !== want) {
    return [
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${got ? Buffer.from(got, 'base64url').toString('hex').toUpperCase() : ''}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${ctx.clientId}'.]`,
    ];
  }
  if (!verifyJwt(d, ctx.clientCertKey)) return [700027, 'Client assertion contains an invalid signature.'];
  const p = d.payload;
  if (p.iss !== ctx.clientId || p.sub !== ctx.clientId) return [700021, "Client assertion application identifier doesn't match 'client_id' parameter."];
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.exp !== 'number' || p.exp < now - 300 || (typeof p.nbf === 'number' && p.nbf > now + 300)) {
    return [700024, 'Client assertion is not within its valid time range.'];
  }
  const aud = typeof p.aud === 'string' ? p.aud : '';
  if (!aud.startsWith(ctx.authorityHost + '/') || !aud.endsWith('/oauth2/v2.0/token')) {
    return [700212, `Client assertion audience claim does not match the token endpoint. Audience: '${aud}'.`];
  }
  return undefined;
}
