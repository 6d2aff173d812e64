// Microsoft 365 tenant simulator: identity platform + Microsoft Graph over HTTPS with a generated CA, a deterministic
// tenant of any size, and injectable faults. `startSimulator()` is what tests, `npm start` and `m365-license sim` use.
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SimContext } from './context';
import type { Endpoint } from './faults';
import { handleAssignLicense, handleReportSettings, handleSkus, handleUser, handleUsers, authenticate } from './graph';
import { readBody, sendGraphError, sendGraphFault, sleep, type Exchange } from './http';
import { handleDeviceCode, handleDeviceLogin, issueIdToken } from './delegated';
import { handleCheckMemberGroups } from './directory';
import { handleOidc, handleToken, sendTokenFault } from './identity';
import { guid, hash } from './prng';
import { handleReport, streamCsv } from './reports';
import { DEFAULT_ROLES, SimulatorState, type RequestLogEntry } from './state';
import { dayOf, Tenant } from './tenant';
import { getPki } from './tls';

export { SimulatorState, DEFAULT_ROLES, type RequestLogEntry } from './state';
export { parseFaults, FaultSpecError, type FaultSpec, type FaultRule } from './faults';
export { ACTIVE_USER_COLUMNS, EMAIL_ACTIVITY_COLUMNS } from './reports';
export { SKUS, type SkuDef } from './skus';
export type { GeneratedUser, LicenseEntry } from './tenant';

export interface SimulatorOptions {
  /** 0 = any free port (default). The report download origin always takes a second free port. */
  port?: number;
  /** Interface to listen on; default '127.0.0.1'. The certificate covers localhost, 127.0.0.1 and ::1. */
  host?: string;
  /** Default 1000. */
  users?: number;
  /** Default 1. */
  seed?: number;
  /** Fault spec, see faults.ts. */
  faults?: string;
  /** Where to write ca.pem, client-cert.pem, client-key.pem (default: a new temp dir). */
  dir?: string;
  /** Application roles put in access tokens; [] = no admin consent (tokens without `roles`). */
  roles?: string[];
  /** 'YYYY-MM-DD' treated as today (default: the real UTC date). */
  today?: string;
  /** Fixed client secret (default: random per start). */
  clientSecret?: string;
}

export interface SimulatorHandle {
  /** e.g. https://localhost:PORT; MSAL authority = `${authorityHost}/${tenantId}`, knownAuthorities: ['localhost:PORT']. */
  authorityHost: string;
  /** e.g. https://localhost:PORT; clients append /v1.0/... */
  graphUrl: string;
  /** The pre-authenticated report download origin (a different port): the bearer token must never reach it. */
  reportsHost: string;
  caFile: string;
  caPem: string;
  tenantId: string;
  /** The tenant's initial domain, also accepted as {tenant} in identity URLs. */
  tenantDomain: string;
  clientId: string;
  clientSecret: string;
  /** The secret's ID: sending it instead of the value is the classic mistake (AADSTS7000215). */
  clientSecretId: string;
  /** The public client app registration admins sign in with (device-code flow; M365_APPROVAL_CLIENT_ID). */
  publicClientId: string;
  /** The approvers group (M365_APPROVERS_GROUP_ID); members in `state.directory`. */
  approversGroupId: string;
  /** An ID token for a user, signed with the tenant's published key; claims overridable, or signed with another key. */
  idToken(userIdOrUpn: string, overrides?: Record<string, unknown>, signingKeyPem?: string): string;
  /** Registered client certificate; thumbprint = SHA-1 hex as MSAL wants. Files: certFile, keyFile. */
  certificate: { certPem: string; privateKeyPem: string; thumbprint: string; thumbprintSha256: string; certFile: string; keyFile: string };
  state: SimulatorState;
  requestLog: RequestLogEntry[];
  close(): Promise<void>;
}

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = opts.seed ?? 1;
  const users = opts.users ?? 1000;
  if (!Number.isInteger(users) || users < 0) throw new RangeError('users must be a non-negative integer');
  const host = opts.host ?? '127.0.0.1';
  const todayDay = opts.today ? dayOf(opts.today) : Math.floor(Date.now() / 86_400_000);
  if (!Number.isFinite(todayDay)) throw new RangeError(`today must be YYYY-MM-DD, got ${opts.today}`);
  const pki = await getPki();
  const tenantId = guid(seed, 1);
  const tenantDomain = `m365sim${seed}.onmicrosoft.com`;
  const tenant = new Tenant({ seed, userCount: users, todayDay, domain: tenantDomain });
  const state = new SimulatorState(tenant, opts.roles ?? DEFAULT_ROLES, opts.faults, seed);

  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'm365-sim-'));
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.pem');
  const certFile = path.join(dir, 'client-cert.pem');
  const keyFile = path.join(dir, 'client-key.pem');
  writeFileSync(caFile, pki.caPem);
  writeFileSync(certFile, pki.clientCertPem);
  writeFileSync(keyFile, pki.clientKeyPem, { mode: 0o600 });

  const tls = { key: pki.serverKeyPem, cert: pki.serverCertPem + pki.caPem };
  const main = createServer(tls);
  const reports = createServer(tls);
  main.keepAliveTimeout = 30_000;
  const mainPort = await listen(main, opts.port ?? 0, host);
  const reportsPort = await listen(reports, 0, host);
  const name = host === '127.0.0.1' || host === '::1' || host === 'localhost' ? 'localhost' : host;
  const authorityHost = `https://${name}:${mainPort}`;

  const ctx: SimContext = {
    state,
    pki,
    tenantId,
    tenantDomain,
    clientId: guid(seed, 2),
    clientSecret: opts.clientSecret ?? `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(27).toString('base64url').slice(0, 34)}`,
    clientSecretId: guid(hash(seed, Date.now() & 0xffff), 3),
    servicePrincipalId: guid(seed, 4),
    publicClientId: guid(seed, 6),
    authorityHost,
    graphUrl: authorityHost,
    reportsHost: `https://${name}:${reportsPort}`,
    signingKey: createPublicKey(createPrivateKey(pki.signingKeyPem)),
    signingKid: Buffer.from(guid(seed, 5)).toString('base64url').slice(0, 27),
    clientCertKey: createPublicKey(pki.clientCertPem),
    tokenCache: new Map(),
    downloads: new Map(),
    deviceCodes: new Map(),
  };

  const track = (req: IncomingMessage, res: ServerResponse, ex: { faultText?: string; endpoint?: string }): void => {
    const started = performance.now();
    const at = new Date().toISOString();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const e: RequestLogEntry = {
        method: req.method ?? '',
        host: req.headers.host ?? '',
        path: req.url ?? '',
        status: res.statusCode,
        authorization: req.headers.authorization !== undefined,
        ms: Math.round((performance.now() - started) * 10) / 10,
        at,
      };
      if (ex.endpoint) e.endpoint = ex.endpoint;
      if (ex.faultText) e.fault = ex.faultText;
      state.log(e);
    };
    res.on('finish', finish);
    res.on('close', finish);
  };

  const run = async (req: IncomingMessage, res: ServerResponse, endpoint: Endpoint | undefined, handler: (ex: Exchange) => void | Promise<void>, onFault: (ex: Exchange) => void): Promise<void> => {
    const url = new URL(req.url ?? '/', authorityHost);
    const body = req.method === 'POST' || req.method === 'PATCH' ? await readBody(req) : Buffer.alloc(0);
    const ex: Exchange = { req, res, url, body, decision: { delayMs: 0 } };
    if (endpoint) ex.endpoint = endpoint;
    track(req, res, ex);
    if (endpoint) ex.decision = state.faults.decide(endpoint);
    if (ex.decision.delayMs > 0) await sleep(ex.decision.delayMs);
    const rule = ex.decision.rule;
    if (rule && rule.kind !== 'reset') return onFault(ex);
    await handler(ex);
  };

  const graphFault = (ex: Exchange): void => sendGraphFault(ex, ex.decision.rule!);

  main.on('request', (req: IncomingMessage, res: ServerResponse) => {
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
      if (method === 'POST' && tenantSeg === 'devicelogin' && rest === '') {
        run(req, res, undefined, (ex) => handleDeviceLogin(ctx, ex), tokenFault).catch(fail);
      } else if (method === 'POST' && rest === 'oauth2/v2.0/devicecode') {
        run(req, res, 'token', (ex) => (tenantSeg.toLowerCase() === tenantId || tenantSeg.toLowerCase() === tenantDomain ? handleDeviceCode(ctx, ex) : handleOidc(ctx, ex, tenantSeg, 'config')), tokenFault).catch(fail);
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
    } else if (p0 === 'users' && parts.length === 3 && parts[2] === 'checkMemberGroups' && method === 'POST') {
      endpoint = 'users';
      handler = (ex, roles) => handleCheckMemberGroups(ctx, ex, version, roles, parts[1]!);
    } else if (p0 === 'subscribedSkus' && parts.length === 1 && method === 'GET') {
      endpoint = 'skus';
      handler = (ex, roles) => handleSkus(ctx, ex, version, roles);
    } else if (p0 === 'reports' && parts.length === 2 && method === 'GET') {
      endpoint = 'reports';
      handler = (ex, roles) => handleReport(ctx, ex, version, roles, parts[1]!);
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
  });

  reports.on('request', (req: IncomingMessage, res: ServerResponse) => {
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
  });

  const closeServer = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });

  return {
    authorityHost,
    graphUrl: authorityHost,
    reportsHost: ctx.reportsHost,
    caFile,
    caPem: pki.caPem,
    tenantId,
    tenantDomain,
    clientId: ctx.clientId,
    clientSecret: ctx.clientSecret,
    clientSecretId: ctx.clientSecretId,
    publicClientId: ctx.publicClientId,
    approversGroupId: state.directory.approversGroupId,
    idToken: (userIdOrUpn, overrides, signingKeyPem) => issueIdToken(ctx, userIdOrUpn, overrides, signingKeyPem),
    certificate: { certPem: pki.clientCertPem, privateKeyPem: pki.clientKeyPem, thumbprint: pki.clientThumbprint, thumbprintSha256: pki.clientThumbprintSha256, certFile, keyFile },
    state,
    requestLog: state.requestLog,
    close: async () => {
      await Promise.all([closeServer(main), closeServer(reports)]);
    },
  };
}
