import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/graph/http';
import { UndiciNetworkModule } from '../../src/graph/msal-network';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { hostOf, msalNetwork, SimClient } from '../support/simulator-client';

const decode = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('simulator identity platform', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 50, seed: 3 });
    c = new SimClient(sim);
  });
  afterAll(async () => {
    await c.close();
    await sim.close();
  });

  const app = (auth: ConstructorParameters<typeof ConfidentialClientApplication>[0]['auth']): ConfidentialClientApplication =>
    new ConfidentialClientApplication({ auth, system: { networkClient: msalNetwork(c.agent) } });
  const base = () => ({ clientId: sim.clientId, authority: `${sim.authorityHost}/${sim.tenantId}`, knownAuthorities: [hostOf(sim.authorityHost)] });

  it('MSAL Node gets a token with the client secret (custom network client trusting the CA)', async () => {
    const r = await app({ ...base(), clientSecret: sim.clientSecret }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(r?.accessToken).toBeTruthy();
    const claims = decode(r!.accessToken);
    expect(claims.tid).toBe(sim.tenantId);
    expect(claims.appid).toBe(sim.clientId);
    expect(claims.appidacr).toBe('1');
    expect(claims.roles).toEqual(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    expect(typeof claims.iat).toBe('number');
    expect(claims.exp as number).toBeGreaterThan(claims.iat as number);
    expect(sim.state.requests('oidc').length).toBeGreaterThan(0);
  });

  it("MSAL Node gets a token with the certificate (client assertion), through the pipeline's network module trusting the CA", async () => {
    // MSAL Node 5+ has no customAgentOptions: the CA reaches MSAL only through a custom network module.
    const agent = createAgent(sim.caPem);
    try {
      const cca = new ConfidentialClientApplication({
        auth: { ...base(), clientCertificate: { thumbprint: sim.certificate.thumbprint, privateKey: sim.certificate.privateKeyPem } },
        system: { networkClient: new UndiciNetworkModule(agent, () => {}) },
      });
      const r = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
      expect(decode(r!.accessToken).appidacr).toBe('2');
    } finally {
      await agent.close();
    }
  });

  it('rejects an assertion signed by an unregistered key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const cca = app({ ...base(), clientCertificate: { thumbprint: sim.certificate.thumbprint, privateKey } });
    await expect(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toThrow(/AADSTS700027/);
  });

  it('wrong secret and the secret ID both fail with AADSTS7000215 (401 invalid_client)', async () => {
    await expect(app({ ...base(), clientSecret: 'nope' }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toThrow(/AADSTS7000215/);
    const r = await c.tokenRequest({ client_id: sim.clientId, client_secret: sim.clientSecretId, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
    expect(r.status).toBe(401);
    const b = r.json() as { error: string; error_codes: number[]; error_description: string };
    expect(b.error).toBe('invalid_client');
    expect(b.error_codes).toEqual([7000215]);
    expect(b.error_description).toMatch(/^AADSTS7000215: .*\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /s);
  });

  it('expired secret -> 7000222; unknown tenant -> 90002 (token and OIDC); unknown app -> 700016', async () => {
    sim.state.expireSecret();
    try {
      const r = await c.tokenRequest({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
      expect([r.status, (r.json() as { error_codes: number[] }).error_codes[0]]).toEqual([401, 7000222]);
    } finally {
      sim.state.expireSecret(false);
    }
    const other = '11111111-2222-3333-4444-555555555555';
    const t = await c.tokenRequest(
      { client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      other,
    );
    expect([t.status, (t.json() as { error: string }).error, (t.json() as { error_codes: number[] }).error_codes[0]]).toEqual([400, 'invalid_request', 90002]);
    const o = await c.fetch(`${sim.authorityHost}/${other}/v2.0/.well-known/openid-configuration`);
    expect([o.status, (o.json() as { error_codes: number[] }).error_codes[0]]).toEqual([400, 90002]);
    const a = await c.tokenRequest({ client_id: other, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' });
    expect([a.status, (a.json() as { error_codes: number[] }).error_codes[0]]).toEqual([400, 700016]);
    const d = await c.fetch(`${sim.authorityHost}/${sim.tenantDomain}/v2.0/.well-known/openid-configuration`);
    expect((d.json() as { token_endpoint: string }).token_endpoint).toBe(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`);
  });

  it('no consented roles -> token without `roles`, and Graph answers 403 in its envelopes', async () => {
    sim.state.setRoles([]);
    try {
      await c.login();
      expect('roles' in decode(c.token)).toBe(false);
      const u = await c.graph('/v1.0/users');
      expect(u.status).toBe(403);
      expect((u.json() as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
      const rep = await c.graph("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
      expect(rep.status).toBe(403);
      const e = (rep.json() as { error: { code: string; message: string; innerError: Record<string, string> } }).error;
      expect(e.code).toBe('UnknownError');
      expect(JSON.parse(e.message)).toEqual({ error: { code: 'S2SUnauthorized', message: 'Invalid permission.' } });
      expect(e.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const rs = await c.graph('/v1.0/admin/reportSettings');
      expect(rs.status).toBe(403);
    } finally {
      sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    }
  });

  it('Graph answers 401 InvalidAuthenticationToken without, or with a forged/expired, bearer token', async () => {
    c.token = '';
    const none = await c.graph('/v1.0/users');
    expect(none.status).toBe(401);
    expect((none.json() as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
    const real = await c.login();
    const [h, p] = real.split('.');
    c.token = `${h}.${p}.${Buffer.from('forged').toString('base64url')}`;
    expect((await c.graph('/v1.0/users')).status).toBe(401);
    sim.state.tokenLifetimeSeconds = -1;
    try {
      await c.login();
      const exp = await c.graph('/v1.0/users');
      expect(exp.status).toBe(401);
      expect(exp.text).toMatch(/expired/);
    } finally {
      sim.state.tokenLifetimeSeconds = 3599;
    }
  });
});
