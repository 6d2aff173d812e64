// Routing: which handler answers a request on the main origin (identity platform, Graph v1.0/beta) and on the
// report download origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAssignLicense } from './assign-license';
import { handleAuthorizePage, handleAuthorizeSubmit } from './authorize';
import { handleCopilotReport } from './copilot';
import type { SimContext } from './context';
import { handleDeviceCode, handleDeviceLogin, handleDeviceLoginPage } from './delegated';
import { handleCheckMemberGroups } from './directory';
import type { Endpoint } from './faults';
import { authenticate } from './graph-access';
import { sendGraphError, sendGraphFault, type Exchange } from './http';
import { handleOidc, handleToken, sendTokenFault } from './identity';
import { handleReport, streamCsv } from './reports';
import { handleReportSettings } from './report-settings';
import type { Runner } from './request-pipeline';
import { handleSkus } from './subscribed-skus';
import { handleSubscriptions } from './subscriptions';
import { handleUser, handleUsers } from './users-endpoint';
import { handleGroups } from './groups-endpoint';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const graphFault = (ex: Exchange): void => sendGraphFault(ex, ex.decision.rule!);

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
    // Identity platform: /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/discovery/v2.0/keys, /{tenant}/oauth2/v2.0/token
    if (segs[0] !== 'v1.0' && segs[0] !== 'beta') {
      const tenantSeg = decodeURIComponent(segs[0] ?? '');
      const rest = segs.slice(1).join('/');
      const tokenFault = (ex: Exchange): void => sendTokenFault(ctx, ex);
      if (method === 'GET' && tenantSeg === 'devicelogin' && rest === '') {
        run(req, res, undefined, (ex) => handleDeviceLoginPage(ctx, ex), tokenFault).catch(fail);
      } else if (method === 'POST' && tenantSeg === 'devicelogin' && rest === '') {
        run(req, res, undefined, (ex) => handleDeviceLogin(ctx, ex), tokenFault).catch(fail);
      } else if (method === 'GET' && rest === 'oauth2/v2.0/authorize') {
        run(req, res, undefined, (ex) => handleAuthorizePage(ctx, ex, tenantSeg), tokenFault).catch(fail);
      } else if (method === 'POST' && rest === 'oauth2/v2.0/authorize') {
        run(req, res, undefined, (ex) => handleAuthorizeSubmit(ctx, ex, tenantSeg), tokenFault).catch(fail);
      } else if (method === 'POST' && rest === 'oauth2/v2.0/devicecode') {
        run(req, res, 'token', (ex) => handleDeviceCode(ctx, ex, tenantSeg), tokenFault).catch(fail);
      } else if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
        run(req, res, 'oidc', (ex) => handleOidc(ctx, ex, tenantSeg, 'config'), tokenFault).catch(fail);
      } else if (method === 'GET' && rest === 'discovery/v2.0/keys') {
        run(req, res, 'oidc', (ex) => handleOidc(ctx, ex, tenantSeg, 'keys'), tokenFault).catch(fail);
      } else if (method === 'POST' && rest === 'oauth2/v2.0/token') {
        run(req, res, 'token', (ex) => handleToken(ctx, ex, tenantSeg), tokenFault).catch(fail);
      } else {
        run(req, res, undefined, (ex) => sendGraphError(ex, 404, 'NotFound', `No simulated endpoint at ${method} ${rawPath}.`), graphFault).catch(fail);
      }
      return;
    }
    const version = segs[0]!;
    const parts = segs.slice(1).map((s) => decodeURIComponent(s));
    const p0 = parts[0] ?? '';
    let endpoint: Endpoint | undefined;
    let handler: ((ex: Exchange, roles: string[]) => void | Promise<void>) | undefined;
    if (p0 === 'users' && parts.length === 1 && method === 'GET') {
      endpoint = 'users';
      handler = (ex, roles) => handleUsers(ctx, ex, version, roles);
    } else if (p0 === 'users' && parts.length === 2 && method === 'GET') {
      endpoint = 'users';
      handler = (ex, roles) => handleUser(ctx, ex, version, roles, parts[1]!);
    } else if (p0 === 'users' && parts.length === 3 && parts[2] === 'assignLicense' && method === 'POST') {
      endpoint = 'assignLicense';
      handler = (ex, roles) => handleAssignLicense(ctx, ex, version, roles, parts[1]!);
    } else if (p0 === 'groups' && parts.length <= 2 && method === 'GET') {
      // Directory reads share the users endpoint's faults.
      endpoint = 'users';
      handler = (ex, roles) => handleGroups(ctx, ex, roles, parts[1]);
    } else if (p0 === 'users' && parts.length === 3 && parts[2] === 'checkMemberGroups' && method === 'POST') {
      endpoint = 'users';
      handler = (ex, roles) => handleCheckMemberGroups(ctx, ex, version, roles, parts[1]!);
    } else if (p0 === 'subscribedSkus' && parts.length === 1 && method === 'GET') {
      endpoint = 'skus';
      handler = (ex, roles) => handleSkus(ctx, ex, version, roles);
    } else if (p0 === 'reports' && parts.length === 2 && method === 'GET') {
      endpoint = 'reports';
      handler = (ex, roles) => handleReport(ctx, ex, version, roles, parts[1]!);
    } else if (p0 === 'directory' && parts[1] === 'subscriptions' && (parts.length === 2 || parts.length === 3) && method === 'GET') {
      endpoint = 'subscriptions';
      handler = (ex, roles) => handleSubscriptions(ctx, ex, version, roles, parts[2]);
    } else if (p0 === 'copilot' && parts[1] === 'reports' && parts.length === 3 && method === 'GET') {
      endpoint = 'copilotReports';
      handler = (ex, roles) => handleCopilotReport(ctx, ex, version, roles, parts[2]!);
    } else if (p0 === 'admin' && parts[1] === 'reportSettings' && parts.length === 2 && (method === 'GET' || method === 'PATCH')) {
      endpoint = 'reportSettings';
      handler = (ex, roles) => handleReportSettings(ctx, ex, version, roles);
    }
    run(
      req,
      res,
      endpoint,
      (ex) => {
        if (!handler) return sendGraphError(ex, 400, 'BadRequest', `Resource not found for the segment '${p0}'.`);
        const roles = authenticate(ctx, ex);
        if (!roles) return;
        return handler(ex, roles);
      },
      graphFault,
    ).catch(fail);
  };
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
