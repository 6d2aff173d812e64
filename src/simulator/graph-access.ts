// Graph's front door: bearer-token validation, the application roles each endpoint accepts, and Graph's two
// shapes of 403 (directory endpoints vs. the reports' S2S answer).
import { GRAPH_OPERATIONS } from '../graph/permissions';
import type { SimContext } from './context';
import { sendGraphError, sendGraphJson, s2sUnauthorizedBody, type Exchange } from './http';
import { decodeJwt, verifyJwt } from './jwt';

/** The grants each endpoint accepts, from the pipeline's one permissions table. */
export const ROLES = {
  users: GRAPH_OPERATIONS.readUsers.anyOf,
  groups: GRAPH_OPERATIONS.readGroups.anyOf,
  skus: GRAPH_OPERATIONS.readSubscribedSkus.anyOf,
  subscriptions: GRAPH_OPERATIONS.readSubscriptions.anyOf,
  reports: GRAPH_OPERATIONS.readReports.anyOf,
  assignLicense: GRAPH_OPERATIONS.assignLicense.anyOf,
  reportSettingsRead: GRAPH_OPERATIONS.readReportSettings.anyOf,
  reportSettingsWrite: GRAPH_OPERATIONS.writeReportSettings.anyOf,
  signInActivity: GRAPH_OPERATIONS.readSignInActivity.anyOf,
  sendMail: GRAPH_OPERATIONS.sendMail.anyOf,
} as const;

const WWW_AUTH = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/** Validates the bearer token; on failure sends the 401 and returns undefined. */
export function authenticate(ctx: SimContext, ex: Exchange): string[] | undefined {
  const h = ex.req.headers.authorization;
  const fail = (msg: string): undefined => {
    sendGraphError(ex, 401, 'InvalidAuthenticationToken', msg, { 'www-authenticate': WWW_AUTH });
    return undefined;
  };
  if (!h) return fail('Access token is empty.');
  if (!/^Bearer /i.test(h)) return fail('Access token validation failure. Invalid audience.');
  const token = h.slice(7).trim();
  let claims = ctx.tokenCache.get(token);
  if (!claims) {
    const d = decodeJwt(token);
    if (!d) return fail('IDX14100: JWT is not well formed, there are no dots (.).');
    if (!verifyJwt(d, ctx.signingKey)) return fail('Access token validation failure.');
    claims = d.payload;
    if (ctx.tokenCache.size > 10_000) ctx.tokenCache.clear();
    ctx.tokenCache.set(token, claims);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) return fail('Lifetime validation failed, the token is expired.');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 300) return fail('Lifetime validation failed, the token is not yet valid.');
  if (claims.aud !== 'https://graph.microsoft.com' && claims.aud !== '00000003-0000-0000-c000-000000000000') {
    return fail('Access token validation failure. Invalid audience.');
  }
  if (claims.tid !== ctx.tenantId) return fail('Access token validation failure. Invalid tenant.');
  return Array.isArray(claims.roles) ? (claims.roles as unknown[]).filter((r): r is string => typeof r === 'string') : [];
}

export const hasRole = (roles: readonly string[], needed: readonly string[]): boolean => roles.some((r) => needed.includes(r));

export function denyDirectory(ex: Exchange): void {
  sendGraphError(ex, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}
export function denyS2S(ex: Exchange): void {
  sendGraphJson(ex, 403, s2sUnauthorizedBody(ex.req));
}
