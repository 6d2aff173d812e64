// Routing: which handler answers a request on the main origin (identity platform, Graph v1.0/beta) and on the
// report download origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAssignLicense } from './assign-license';
import { handleAuthorizePage, handleAuthorizeSubmit } from './authorize';
import { handleCopilotReport } from './copilot';
import type { SimContext } from './context';
import { handleDeviceCode, handleDeviceLogin, handleDeviceLoginPage } from './delegated';
import { handleCheckMemberGroups } from './groups-endpoint';
import type { Endpoint } from './faults';
import { authenticate, denyDirectory, hasRole, ROLES } from './graph-access';
import { handleUsersDelta } from './delta';
import { sendGraphError, sendGraphFault, type Exchange } from './http';
import { handleOidc, handleToken, sendTokenFault } from './identity';
import { handleReport, streamCsv } from './reports';
import { handleReportSettings } from './report-settings';
import type { Runner } from './request-pipeline';
import { handleSkus } from './subscribed-skus';
import { handleSubscriptions } from './subscriptions';
import { handleUser, handleUsers } from './users-endpoint';
import { handleUsersCount } from './users-filter';
import { handleGroups } from './groups-endpoint';
import { handleTransitiveUsers } from './group-members';
import { handleSendMail } from './mail';
import { admit } from './throttling';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const graphFault = (ex: Exchange): void => sendGraphFault(ex, ex.decision.rule!);

/** The realistic profile's limits and latency before the handler; its usage headers go on the handler's answer. */
async function admitted(ctx: SimContext, ex: Exchange, endpoint: Endpoint | undefined, segment: string, handle: () => void | Promise<void>): Promise<void> {
  if (endpoint) {
    const headers = await admit(ctx, ex, endpoint, segment);
    if (!headers) return;
    for (const [k, v] of Object.entries(headers)) ex.res.setHeader(k, v);
  }
  await handle();
}

type GraphHandler = (ex: Exchange, roles: string[]) => void | Promise<void>;

/** A route: the endpoint whose faults and limits apply (none for the sign-in pages) and its handler. */
interface Route<H> {
  endpoint: Endpoint | undefined;
  handler: H;
}

export function mainListener(ctx: SimContext, run: Runner): Listener {
  return (req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const segs = rawPath.split('/').filter(Boolean);
    const fail = (err: unknown): void => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${(err as Error).message}`);
      } else res.destroy();
    };
    if (segs[0] !== 'v1.0' && segs[0] !== 'beta') {
      const route = identityRoute(ctx, method, decodeURIComponent(segs[0] ?? ''), segs.slice(1).join('/'));
      if (route) run(req, res, route.endpoint, route.handler, (ex) => sendTokenFault(ctx, ex)).catch(fail);
      else run(req, res, undefined, (ex) => sendGraphError(ex, 404, 'NotFound', `No simulated endpoint at ${method} ${rawPath}.`), graphFault).catch(fail);
      return;
    }
    const version = segs[0]!;
    const parts = segs.slice(1).map((s) => decodeURIComponent(s));
    const p0 = parts[0] ?? '';
    const route = graphRoute(ctx, method, version, parts);
    run(
      req,
      res,
      route?.endpoint,
      (ex) => {
        if (!route) return sendGraphError(ex, 400, 'BadRequest', `Resource not found for the segment '${p0}'.`);
        const roles = authenticate(ctx, ex);
        if (!roles) return;
        return admitted(ctx, ex, route.endpoint, parts.join('/'), () => route.handler(ex, roles));
      },
      graphFault,
    ).catch(fail);
  };
}

/** Identity platform: /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/discovery/v2.0/keys, /{tenant}/oauth2/v2.0/token, the sign-in pages. */
function identityRoute(ctx: SimContext, method: string, tenantSeg: string, rest: string): Route<(ex: Exchange) => void | Promise<void>> | undefined {
  if (method === 'GET' && tenantSeg === 'devicelogin' && rest === '') return { endpoint: undefined, handler: (ex) => handleDeviceLoginPage(ctx, ex) };
  if (method === 'POST' && tenantSeg === 'devicelogin' && rest === '') return { endpoint: undefined, handler: (ex) => handleDeviceLogin(ctx, ex) };
  if (method === 'GET' && rest === 'oauth2/v2.0/authorize') return { endpoint: undefined, handler: (ex) => handleAuthorizePage(ctx, ex, tenantSeg) };
  if (method === 'POST' && rest === 'oauth2/v2.0/authorize') return { endpoint: undefined, handler: (ex) => handleAuthorizeSubmit(ctx, ex, tenantSeg) };
  if (method === 'POST' && rest === 'oauth2/v2.0/devicecode') return { endpoint: 'token', handler: (ex) => handleDeviceCode(ctx, ex, tenantSeg) };
  if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') return { endpoint: 'oidc', handler: (ex) => handleOidc(ctx, ex, tenantSeg, 'config') };
  if (method === 'GET' && rest === 'discovery/v2.0/keys') return { endpoint: 'oidc', handler: (ex) => handleOidc(ctx, ex, tenantSeg, 'keys') };
  if (method === 'POST' && rest === 'oauth2/v2.0/token') return { endpoint: 'token', handler: (ex) => handleToken(ctx, ex, tenantSeg) };
  return undefined;
}

/** Graph v1.0 and beta, by the path after the version; undefined for a resource the simulator does not have. */
function graphRoute(ctx: SimContext, method: string, version: string, parts: string[]): Route<GraphHandler> | undefined {
  const p0 = parts[0] ?? '';
  if (p0 === 'users' && parts.length === 2 && parts[1] === 'delta' && method === 'GET') {
    return { endpoint: 'users', handler: (ex, roles) => (hasRole(roles, ROLES.users) ? handleUsersDelta(ctx, ex, version) : denyDirectory(ex)) };
  }
  if (p0 === 'users' && parts.length === 1 && method === 'GET') return { endpoint: 'users', handler: (ex, roles) => handleUsers(ctx, ex, version, roles) };
  if (p0 === 'users' && parts.length === 2 && parts[1] === '$count' && method === 'GET') return { endpoint: 'users', handler: (ex, roles) => handleUsersCount(ctx, ex, roles) };
  if (p0 === 'users' && parts.length === 2 && method === 'GET') return { endpoint: 'users', handler: (ex, roles) => handleUser(ctx, ex, version, roles, parts[1]!) };
  if (p0 === 'users' && parts.length === 3 && parts[2] === 'assignLicense' && method === 'POST') {
    return { endpoint: 'assignLicense', handler: (ex, roles) => handleAssignLicense(ctx, ex, version, roles, parts[1]!) };
  }
  if (p0 === 'users' && parts.length === 3 && parts[2] === 'sendMail' && method === 'POST')
    return { endpoint: 'sendMail', handler: (ex, roles) => handleSendMail(ctx, ex, roles, parts[1]!) };
  if (p0 === 'groups' && parts.length === 4 && parts[2] === 'transitiveMembers' && parts[3] === 'microsoft.graph.user' && method === 'GET') {
    return { endpoint: 'users', handler: (ex, roles) => handleTransitiveUsers(ctx, ex, roles, parts[1]!) };
  }
  // Directory reads share the users endpoint's faults.
  if (p0 === 'groups' && parts.length <= 2 && method === 'GET') return { endpoint: 'users', handler: (ex, roles) => handleGroups(ctx, ex, roles, parts[1]) };
  if (p0 === 'users' && parts.length === 3 && parts[2] === 'checkMemberGroups' && method === 'POST') {
    return { endpoint: 'users', handler: (ex, roles) => handleCheckMemberGroups(ctx, ex, version, roles, parts[1]!) };
  }
  if (p0 === 'subscribedSkus' && parts.length === 1 && method === 'GET') return { endpoint: 'skus', handler: (ex, roles) => handleSkus(ctx, ex, version, roles) };
  if (p0 === 'reports' && parts.length === 2 && method === 'GET') return { endpoint: 'reports', handler: (ex, roles) => handleReport(ctx, ex, version, roles, parts[1]!) };
  if (p0 === 'directory' && parts[1] === 'subscriptions' && (parts.length === 2 || parts.length === 3) && method === 'GET') {
    return { endpoint: 'subscriptions', handler: (ex, roles) => handleSubscriptions(ctx, ex, version, roles, parts[2]) };
  }
  if (p0 === 'copilot' && parts[1] === 'reports' && parts.length === 3 && method === 'GET') {
    return { endpoint: 'copilotReports', handler: (ex, roles) => handleCopilotReport(ctx, ex, version, roles, parts[2]!) };
  }
  if (p0 === 'admin' && parts[1] === 'reportSettings' && parts.length === 2 && (method === 'GET' || method === 'PATCH')) {
    return { endpoint: 'reportSettings', handler: (ex, roles) => handleReportSettings(ctx, ex, version, roles) };
  }
  return undefined;
}

export function downloadListener(ctx: SimContext, run: Runner): Listener {
  return (req, res) => {
    const m = /^\/data\/download\/([A-Za-z0-9_-]+)$/.exec((req.url ?? '').split('?')[0]!);
    const fault = (ex: Exchange): void => {
      const rule = ex.decision.rule!;
      ex.faultText = rule.text;
      const h: Record<string, string> = { 'content-type': 'text/plain' };
      if (rule.retryAfter !== undefined) h['retry-after'] = rule.retryAfter;
      res.writeHead(rule.status ?? 503, h);
      res.end(`Simulated ${rule.status ?? 503}`);
    };
    run(
      req,
      res,
      'download',
      async (ex) => {
        const link = m && req.method === 'GET' ? ctx.downloads.get(m[1]!) : undefined;
        if (!link || link.expiresAt < Date.now()) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('The download link is unknown or has expired.');
          return;
        }
        await streamCsv(ctx, ex, link);
      },
      fault,
    ).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500);
        res.end(String((err as Error).message));
      } else res.destroy();
    });
  };
}
