// Microsoft 365 tenant simulator: identity platform + Microsoft Graph over HTTPS with a generated CA, a deterministic
// tenant of any size, and injectable faults. `startSimulator()` is what tests, `npm start` and `m365-license sim` use.
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SimContext } from './context';
import { newAuthorizeStore } from './authorize';
import { dayOf } from './dates';
import { issueIdToken } from './delegated';
import { parseChurn, type Churn } from './days';
import { guid, hash } from './prng';
import { fleetListeners, parseTenants, type TenantSize } from './fleet';
import { DEFAULT_ROLES, SimulatorState, type RequestLogEntry } from './state';
import { Tenant } from './tenant';
import { AppLimiter } from './limits';
import { parseProfile, SimClock, type ProfileName, type RealisticLimits } from './profile';
import { getPki } from './tls';

export { SimulatorState, DEFAULT_ROLES, type RequestLogEntry } from './state';
export { parseFaults, FaultSpecError, type FaultSpec, type FaultRule } from './faults';
export { parseTenants, TenantsSpecError, type TenantSize } from './fleet';
export { writeSimulatorTenantsFile } from './tenants-file';
export { parseProfile, ProfileSpecError, REALISTIC_DEFAULTS, type Profile, type ProfileName, type RealisticLimits } from './profile';
export { ACTIVE_USER_COLUMNS, EMAIL_ACTIVITY_COLUMNS } from './report-rows';
export { SKUS, type SkuDef } from './skus';
export { DEFAULT_CHURN, parseChurn, ChurnSpecError, type Churn } from './days';
export type { GeneratedUser } from './users';
export type { LicenseEntry } from './licences';

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
  /** 'YYYY-MM-DD' treated as day 0's today (default: the real UTC date). */
  today?: string;
  /** The tenant has Microsoft Entra ID P1/P2, so signInActivity can be read (default true). */
  premium?: boolean;
  /** Fixed client secret (default: random per start). */
  clientSecret?: string;
  /** Simulated day N of the same tenant (default 0 = the generated tenant); today becomes `today` + N. */
  day?: number;
  /** Day-to-day changes as shares of the user count per day, or a spec string (see days.ts); defaults DEFAULT_CHURN. */
  churn?: Partial<Churn> | string;
  /** 'instant' (default: no limits, no latency) or 'realistic' (Microsoft's published limits, latencies, expiring links). */
  profile?: ProfileName;
  /** Real seconds per simulated second under the realistic profile (0.01: a simulated hour in 36 s). Default 1. */
  timeScale?: number;
  /** Overrides of the realistic limits: `key=value,...` or an object (profile.ts, REALISTIC_DEFAULTS). */
  limits?: string | Partial<RealisticLimits>;
  /** Many tenants behind the one app: a count (each of `users`), `COUNTxUSERS,...`, or sizes; seeds follow `seed`. */
  tenants?: number | string | TenantSize[];
  /** Share (0..1) of members whose UPN begins with '_', as some organisations name service accounts (default 0). */
  underscoreUpns?: number;
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
  /** Every tenant behind the app (the first is the one above), each with its own state. */
  tenants: Array<{ tenantId: string; tenantDomain: string; users: number; seed: number; state: SimulatorState }>;
  /** The per-app buckets of the realistic profile (429s by limit in `limiter.throttled`). */
  limiter: AppLimiter;
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

const closeServer = (s: Server): Promise<void> =>
  new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });

/** What every tenant behind the one app shares: keys, endpoints, the profile, its clock and the per-app limiter. */
type AppShared = Omit<SimContext, 'state' | 'tenantId' | 'tenantDomain' | 'servicePrincipalId' | 'tokenCache' | 'downloads' | 'deviceCodes' | 'authorize'>;

/** The CA (to trust) and the registered client certificate and key, written where clients read them. */
function writeClientFiles(pki: Awaited<ReturnType<typeof getPki>>, dir: string): { caFile: string; certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.pem');
  const certFile = path.join(dir, 'client-cert.pem');
  const keyFile = path.join(dir, 'client-key.pem');
  writeFileSync(caFile, pki.caPem);
  writeFileSync(certFile, pki.clientCertPem);
  writeFileSync(keyFile, pki.clientKeyPem, { mode: 0o600 });
  return { caFile, certFile, keyFile };
}

/** One generated tenant behind the app, with its own state, ids and stores. */
function tenantContext(shared: AppShared, opts: SimulatorOptions, tSeed: number, userCount: number, todayDay: number): SimContext {
  const { profile, clock } = shared;
  const tenantDomain = `m365sim${tSeed}.onmicrosoft.com`;
  const tenant = new Tenant({ seed: tSeed, userCount, todayDay, domain: tenantDomain, day: opts.day ?? 0, churn: parseChurn(opts.churn), underscoreUpns: opts.underscoreUpns });
  const state = new SimulatorState(tenant, opts.roles ?? DEFAULT_ROLES, opts.faults, tSeed);
  state.premium = opts.premium ?? true;
  if (profile.name === 'realistic') {
    state.downloadLinkTtlMs = clock.realMs(profile.limits.downloadTtlS * 1000);
    state.skipTokenTtlMs = profile.limits.skipTokenTtlS * 1000;
  }
  return {
    ...shared,
    state,
    tenantId: guid(tSeed, 1),
    tenantDomain,
    servicePrincipalId: guid(tSeed, 4),
    tokenCache: new Map(),
    downloads: new Map(),
    deviceCodes: new Map(),
    authorize: newAuthorizeStore(),
  };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = opts.seed ?? 1;
  const users = opts.users ?? 1000;
  if (!Number.isInteger(users) || users < 0) throw new RangeError('users must be a non-negative integer');
  const host = opts.host ?? '127.0.0.1';
  const todayDay = opts.today ? dayOf(opts.today) : Math.floor(Date.now() / 86_400_000);
  if (!Number.isFinite(todayDay)) throw new RangeError(`today must be YYYY-MM-DD, got ${opts.today}`);
  const pki = await getPki();
  const profile = parseProfile(opts.profile, opts.timeScale, opts.limits);
  const clock = new SimClock(profile.timeScale);
  const sizes = parseTenants(opts.tenants, users, seed);
  const limiter = new AppLimiter(profile, clock, guid(seed, 2));
  const { caFile, certFile, keyFile } = writeClientFiles(pki, opts.dir ?? mkdtempSync(path.join(tmpdir(), 'm365-sim-')));

  const tls = { key: pki.serverKeyPem, cert: pki.serverCertPem + pki.caPem };
  const main = createServer(tls);
  const reports = createServer(tls);
  main.keepAliveTimeout = 30_000;
  const mainPort = await listen(main, opts.port ?? 0, host);
  const reportsPort = await listen(reports, 0, host);
  const name = host === '127.0.0.1' || host === '::1' || host === 'localhost' ? 'localhost' : host;
  const authorityHost = `https://${name}:${mainPort}`;

  const shared: AppShared = {
    pki,
    clientId: guid(seed, 2),
    clientSecret: opts.clientSecret ?? `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(27).toString('base64url').slice(0, 34)}`,
    clientSecretId: guid(hash(seed, Date.now() & 0xffff), 3),
    publicClientId: guid(seed, 6),
    authorityHost,
    graphUrl: authorityHost,
    reportsHost: `https://${name}:${reportsPort}`,
    signingKey: createPublicKey(createPrivateKey(pki.signingKeyPem)),
    signingKid: Buffer.from(guid(seed, 5)).toString('base64url').slice(0, 27),
    clientCertKey: createPublicKey(pki.clientCertPem),
    profile,
    clock,
    limiter,
  };
  const contexts: SimContext[] = sizes.map((size) => tenantContext(shared, opts, size.seed ?? seed, size.users, todayDay));
  const ctx = contexts[0]!;
  const state = ctx.state;
  const listeners = fleetListeners(contexts);
  main.on('request', listeners.main);
  reports.on('request', listeners.download);

  return {
    authorityHost,
    graphUrl: authorityHost,
    reportsHost: ctx.reportsHost,
    caFile,
    caPem: pki.caPem,
    tenantId: ctx.tenantId,
    tenantDomain: ctx.tenantDomain,
    tenants: contexts.map((c) => ({ tenantId: c.tenantId, tenantDomain: c.tenantDomain, users: c.state.userCount, seed: c.state.seedValue, state: c.state })),
    clientId: ctx.clientId,
    clientSecret: ctx.clientSecret,
    clientSecretId: ctx.clientSecretId,
    publicClientId: ctx.publicClientId,
    approversGroupId: state.directory.approversGroupId,
    idToken: (userIdOrUpn, overrides, signingKeyPem) => issueIdToken(ctx, userIdOrUpn, overrides, signingKeyPem),
    certificate: { certPem: pki.clientCertPem, privateKeyPem: pki.clientKeyPem, thumbprint: pki.clientThumbprint, thumbprintSha256: pki.clientThumbprintSha256, certFile, keyFile },
    state,
    limiter: ctx.limiter,
    requestLog: state.requestLog,
    close: async () => {
      await Promise.all([closeServer(main), closeServer(reports)]);
    },
  };
}
