// Auth and the Graph client against the real simulator (identity platform, Graph, report download host).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { decodeRoles, preflight, TokenProvider, type GraphCredentials } from '../../src/graph';
import { resolveTenant } from '../../src/tenants';
import { GraphClient } from '../../src/graph/client';
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphNotFoundError,
  GraphPermissionError,
  GraphThrottledError,
  GraphTlsError,
  GraphTransientError,
  SkipTokenExpiredError,
} from '../../src/graph/errors';
import { parseConfig } from '../../src/config';
import { captureLogger } from '../support/capture-logger';

const REPORT = "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')";

let sim: SimulatorHandle;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  sim = await startSimulator({ users: 1000, seed: 7 });
});
afterAll(async () => {
  for (const o of open) await o.close();
  await sim.close();
});

const creds = (over: Partial<GraphCredentials> = {}): GraphCredentials => ({
  tenantId: sim.tenantId,
  clientId: sim.clientId,
  clientSecret: sim.clientSecret,
  authorityHost: sim.authorityHost,
  caPem: sim.caPem,
  ...over,
});

function tokens(c: GraphCredentials = creds()): TokenProvider {
  const t = new TokenProvider(c);
  open.push(t);
  return t;
}

function client(t: TokenProvider, extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}): GraphClient {
  const c = new GraphClient({ graphUrl: sim.graphUrl, tokens: t, caPem: sim.caPem, timeoutMs: 10_000, ...extra });
  open.push(c);
  return c;
}

const tokenRequests = (since: number) => sim.requestLog.slice(since).filter((e) => e.endpoint === 'token').length;
const reset = () => {
  sim.state.setFaults('');
  sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
  sim.state.expireSecret(false);
};

describe('TokenProvider against the simulator', () => {
  it('gets a token with the client secret and reuses it from the cache', async () => {
    reset();
    const mark = sim.requestLog.length;
    const t = tokens();
    const a = await t.getToken();
    const b = await t.getToken();
    expect(a).toBe(b);
    expect(decodeRoles(a)).toEqual(expect.arrayContaining(['Directory.Read.All', 'Reports.Read.All']));
    expect(tokenRequests(mark)).toBe(1);
    // TLS to the simulator is verified against its CA: the request log shows no Authorization on the token POST.
    expect(sim.requestLog.slice(mark).every((e) => e.endpoint !== 'token' || !e.authorization)).toBe(true);
  });

  it('gets a token with the certificate (key file + thumbprint, read through the config)', async () => {
    reset();
    const config = parseConfig({
      M365_TENANT_ID: sim.tenantId,
      M365_CLIENT_ID: sim.clientId,
      M365_CLIENT_CERT_PATH: sim.certificate.keyFile,
      M365_CLIENT_CERT_THUMBPRINT: sim.certificate.thumbprint,
      M365_CA_FILE: sim.caFile,
      M365_AUTHORITY_HOST: sim.authorityHost,
      M365_GRAPH_URL: sim.graphUrl,
    });
    const c = resolveTenant(config, sim.tenantId);
    expect(c.clientSecret).toBeUndefined();
    expect(c.caPem).toBe(sim.caPem);
    const token = await tokens(c).getToken();
    expect(decodeRoles(token).length).toBeGreaterThan(0);
  });

  it('gets a token with a combined cert+key PEM and checks the thumbprint against it', async () => {
    reset();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'graph-cert-'));
    const file = path.join(dir, 'app.pem');
    writeFileSync(file, sim.certificate.certPem + sim.certificate.privateKeyPem);
    const base = { M365_TENANT_ID: sim.tenantId, M365_CLIENT_ID: sim.clientId, M365_CLIENT_CERT_PATH: file, M365_CA_FILE: sim.caFile, M365_AUTHORITY_HOST: sim.authorityHost };
    const ok = resolveTenant(parseConfig({ ...base, M365_CLIENT_CERT_THUMBPRINT: sim.certificate.thumbprint.toLowerCase() }), sim.tenantId);
    expect(decodeRoles(await tokens(ok).getToken()).length).toBeGreaterThan(0);
    expect(() => resolveTenant(parseConfig({ ...base, M365_CLIENT_CERT_THUMBPRINT: 'AB'.repeat(20) }), sim.tenantId)).toThrow(/does not match the certificate/);
  });

  it('fails at once on the secret ID instead of its value: AADSTS7000215, the fix, no retry storm', async () => {
    reset();
    const mark = sim.requestLog.length;
    const t = tokens(creds({ clientSecret: sim.clientSecretId }));
    const err = (await t.getToken().catch((e: unknown) => e)) as GraphAuthError;
    expect(err).toBeInstanceOf(GraphAuthError);
    expect(err.name).toBe('GraphAuthError');
    expect(err.aadsts).toBe(7000215);
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).toMatch(/Value, not its Secret ID/);
    expect(err.message).not.toContain(sim.clientSecretId);
    // Through the client too: an auth failure is not retried.
    const c = client(t, { sleep: async () => {} });
    await expect(c.getJson('/users?$top=1')).rejects.toBeInstanceOf(GraphAuthError);
    expect(tokenRequests(mark)).toBeLessThanOrEqual(2);
    expect(sim.requestLog.slice(mark).filter((e) => e.endpoint === 'users')).toHaveLength(0);
  });

  it('logs a failed token request with its AADSTS code and never the secret', async () => {
    reset();
    const cap = captureLogger();
    const t = new TokenProvider(creds({ clientSecret: sim.clientSecretId }), { logger: cap.logger });
    open.push(t);
    await expect(t.getToken()).rejects.toBeInstanceOf(GraphAuthError);
    expect(cap.lines().find((l) => l.msg === 'graph token request failed')).toMatchObject({ level: 40, component: 'graph-token', aadsts: 7000215, error: 'GraphAuthError' });
    expect(cap.text()).not.toContain(sim.clientSecretId);
    expect(cap.text()).not.toContain(sim.clientSecret);
  });

  it('names an expired secret (AADSTS7000222)', async () => {
    reset();
    sim.state.expireSecret(true);
    const err = (await tokens()
      .getToken()
      .catch((e: unknown) => e)) as GraphAuthError;
    sim.state.expireSecret(false);
    expect(err).toBeInstanceOf(GraphAuthError);
    expect(err.aadsts).toBe(7000222);
    expect(err.message).toMatch(/New client secret/);
  });

  it('names an unknown tenant (AADSTS90002) and an unknown app (AADSTS700016)', async () => {
    reset();
    const t1 = (await tokens(creds({ tenantId: '11111111-2222-3333-4444-555555555555' }))
      .getToken()
      .catch((e: unknown) => e)) as GraphAuthError;
    expect(t1).toBeInstanceOf(GraphAuthError);
    expect(t1.aadsts).toBe(90002);
    expect(t1.message).toMatch(/M365_TENANT_ID/);
    const t2 = (await tokens(creds({ clientId: '99999999-2222-3333-4444-555555555555' }))
      .getToken()
      .catch((e: unknown) => e)) as GraphAuthError;
    expect(t2).toBeInstanceOf(GraphAuthError);
    expect(t2.aadsts).toBe(700016);
  });

  it('treats a token endpoint outage as transient', async () => {
    reset();
    sim.state.setFaults('token:outage');
    const err = await tokens()
      .getToken()
      .catch((e: unknown) => e);
    reset();
    expect(err).toBeInstanceOf(GraphTransientError);
  });

  it('treats identity-platform throttling as GraphThrottledError with its Retry-After', async () => {
    reset();
    sim.state.setFaults('token:429:retry=2');
    const err = (await tokens()
      .getToken()
      .catch((e: unknown) => e)) as GraphThrottledError;
    reset();
    expect(err).toBeInstanceOf(GraphThrottledError);
    expect(err.retryAfterMs).toBe(2000);
  });

  it('keeps TLS verification on: without the simulator CA the token request fails with GraphTlsError', async () => {
    reset();
    const err = (await tokens(creds({ caPem: undefined }))
      .getToken()
      .catch((e: unknown) => e)) as GraphTlsError;
    expect(err).toBeInstanceOf(GraphTlsError);
    expect(err.message).toMatch(/M365_CA_FILE/);
  });
});

describe('preflight against the simulator', () => {
  it('passes with the default consent', async () => {
    reset();
    const p = await preflight(tokens(), { needReclaim: true });
    expect(p.canReclaim).toBe(true);
    expect(p.canReadReportSettings).toBe(true);
  });

  it('fails non-retryably naming Reports.Read.All when it is missing', async () => {
    reset();
    sim.state.setRoles(['Directory.Read.All']);
    const t = tokens();
    const err = (await preflight(t, { needReclaim: false }).catch((e: unknown) => e)) as GraphPermissionError;
    expect(err).toBeInstanceOf(GraphPermissionError);
    expect(err.missing).toEqual(['Reports.Read.All']);
    expect(err.message).toContain('Application permissions → Reports.Read.All');
    expect(err.message).toContain('Grant admin consent');
    // And the reports endpoint itself answers 403, mapped the same way.
    const e2 = (await client(t)
      .downloadReport(REPORT, path.join(os.tmpdir(), `never-${Date.now()}.csv`))
      .catch((e: unknown) => e)) as GraphPermissionError;
    expect(e2).toBeInstanceOf(GraphPermissionError);
    expect(e2.missing).toEqual(['Reports.Read.All']);
    reset();
  });
});

interface UsersPage {
  value: Array<{ id: string }>;
  '@odata.nextLink'?: string;
}

async function walkUsers(c: GraphClient, top: number): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `/users?$select=id,userPrincipalName&$top=${top}`;
  while (next) {
    const page: UsersPage = await c.getJson<UsersPage>(next);
    ids.push(...page.value.map((u) => u.id));
    next = page['@odata.nextLink'];
  }
  return ids;
}

describe('GraphClient against the simulator', () => {
  it('fetches every page through 30% 429s and waits at least the Retry-After asked', async () => {
    reset();
    sim.state.setFaults('users:429@0.3:retry=0.3');
    const mark = sim.requestLog.length;
    const waits: number[] = [];
    const c = client(tokens(), { onRetry: (i) => waits.push(i.waitMs) });
    const ids = await walkUsers(c, 50);
    reset();
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const users = sim.requestLog.slice(mark).filter((e) => e.endpoint === 'users');
    const throttled = users.filter((e) => e.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(waits).toHaveLength(throttled.length);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(300);
    // Measured on the server: the request after each 429 arrived at least 300 ms after the 429's arrival + its handling.
    for (let i = 0; i < users.length - 1; i++) {
      const cur = users[i]!;
      if (cur.status !== 429) continue;
      const gap = Date.parse(users[i + 1]!.at) - Date.parse(cur.at);
      expect(gap).toBeGreaterThanOrEqual(300);
    }
  });

  it('fetches every page through connection resets mid-page and 503s', async () => {
    reset();
    sim.state.setFaults('users:reset@0.2,users:503@0.1:retry=0.1');
    const mark = sim.requestLog.length;
    const ids = await walkUsers(client(tokens(), { backoff: { baseMs: 50, maxMs: 500 } }), 100);
    reset();
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(sim.requestLog.slice(mark).filter((e) => e.endpoint === 'users' && e.fault).length).toBeGreaterThan(0);
  });

  it('maps an expired page token to SkipTokenExpiredError', async () => {
    reset();
    sim.state.setFaults('users:expired:after=1');
    const c = client(tokens());
    const err = await walkUsers(c, 100).catch((e: unknown) => e);
    reset();
    expect(err).toBeInstanceOf(SkipTokenExpiredError);
  });

  it('downloads a report completely after a reset mid-body; the reports host never sees Authorization', async () => {
    reset();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'graph-sim-'));
    const t = tokens();
    const clean = await client(t).downloadReport(REPORT, path.join(dir, 'clean.csv'));
    expect(clean.rows).toBeGreaterThan(0);
    sim.state.setFaults('download:reset:times=1');
    const mark = sim.requestLog.length;
    const retried = await client(t).downloadReport(REPORT, path.join(dir, 'retried.csv'));
    reset();
    expect(retried).toEqual(clean);
    const a = readFileSync(path.join(dir, 'clean.csv'));
    const b = readFileSync(path.join(dir, 'retried.csv'));
    expect(b.equals(a)).toBe(true);
    expect(createHash('sha256').update(b).digest('hex')).toBe(clean.sha256);
    expect(readdirSync(dir).sort()).toEqual(['clean.csv', 'retried.csv']);
    const log = sim.requestLog.slice(mark);
    expect(log.filter((e) => e.endpoint === 'reports')).toHaveLength(2); // a fresh link for the second attempt
    expect(log.filter((e) => e.endpoint === 'download')).toHaveLength(2);
    const reportsHost = new URL(sim.reportsHost).host;
    const downloads = sim.requestLog.filter((e) => e.host === reportsHost);
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(downloads.every((e) => !e.authorization)).toBe(true);
    expect(sim.requestLog.filter((e) => e.endpoint === 'reports').every((e) => e.authorization)).toBe(true);
  });

  it('maps 404 and 400 on assignLicense', async () => {
    reset();
    const c = client(tokens());
    const nf = await c.postJson('/users/00000000-0000-0000-0000-000000000001/assignLicense', { addLicenses: [], removeLicenses: [] }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(GraphNotFoundError);
    const page = await c.getJson<UsersPage>('/users?$select=id&$top=1');
    const id = page.value[0]!.id;
    const br = (await c
      .postJson(`/users/${id}/assignLicense`, { addLicenses: [], removeLicenses: ['00000000-0000-0000-0000-00000000abcd'] })
      .catch((e: unknown) => e)) as GraphBadRequestError;
    expect(br).toBeInstanceOf(GraphBadRequestError);
    expect(br.code).toBe('Request_BadRequest');
    expect(br.graphMessage).toMatch(/License|license/);
    const bad = (await c.postJson(`/users/${id}/assignLicense`, { addLicenses: [] }).catch((e: unknown) => e)) as GraphBadRequestError;
    expect(bad).toBeInstanceOf(GraphBadRequestError);
    expect(bad.graphMessage).toMatch(/removeLicenses/);
  });
});
