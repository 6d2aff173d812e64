// Who is deciding: the simulator's delegated sign-in (public client, device code, ID tokens on its published keys),
// the ID-token verifier against forged, expired, wrong-audience, wrong-tenant, stale and algorithm-swapped tokens,
// sealing, and transitive approvers-group membership through POST /users/{id}/checkMemberGroups.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../src/cli/dev-job';
import { parseConfig, type AppConfig } from '../../src/config';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { openProof } from '../../src/identity/proof';
import { isSealed, open, seal, SealError } from '../../src/identity/seal';
import { signInWithDeviceCode } from '../../src/identity/device-code-sign-in';
import { IdTokenVerifier, type IdTokenError } from '../../src/identity/verify-id-token';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../../src/simulator';
import { JWT_IN_TEXT } from '../support/reclaim-people';
import { SimClient } from '../support/simulator-client';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');

describe('approval identity: sign-in, ID-token verification, sealing, approvers group', () => {
  let sim: SimulatorHandle;
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let verifier: IdTokenVerifier;
  let http: SimClient;

  beforeAll(async () => {
    sim = await startSimulator({ users: 200, seed: 81 });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'approvals-id-'));
    env = { ...process.env, ...simulatorEnv(sim, dataDir) };
    config = parseConfig(env);
    ensureApprovalKey(config);
    verifier = new IdTokenVerifier({ authorityHost: sim.authorityHost, tenantId: sim.tenantId, clientId: sim.publicClientId, caPem: sim.caPem });
    http = new SimClient(sim);
  });
  afterAll(async () => {
    await verifier?.close();
    await sim?.close();
  });

  const problem = async (token: string): Promise<string> => {
    try {
      await verifier.verify(token);
      return 'accepted';
    } catch (err) {
      expect((err as Error).name).toBe('IdTokenError');
      return (err as IdTokenError).problem;
    }
  };
  const admin = (i: number) => sim.state.directory.admins[i]!;

  it('m365-license auth token ID --for request: MSAL device-code sign-in, a proof bound to that workflow printed sealed, and it verifies as that person', async () => {
    sim.state.directory.autoApprove = admin(1);
    const workflowId = `reclaim-${sim.tenantId}-00000000-0000-0000-0000-000000000001`;
    try {
      const r = await exec(process.execPath, [BIN, 'auth', 'token', workflowId, '--for', 'request'], { env, cwd: config.dataDir });
      const sealed = r.stdout.trim();
      expect(isSealed(sealed)).toBe(true);
      expect(r.stderr).toMatch(/devicelogin.*enter the code/);
      expect(sealed).not.toMatch(JWT_IN_TEXT);
      const proof = openProof(sealed, ensureApprovalKey(config));
      expect(proof.binding).toEqual({ purpose: 'request', workflowId });
      const id = await verifier.verify(proof.idToken);
      expect(id.objectId).toBe(admin(1));
      expect(id.upn).toBe(sim.state.userAt(sim.state.indexOf(admin(1))).userPrincipalName);
      expect(id.tenantId).toBe(sim.tenantId);
    } finally {
      sim.state.directory.autoApprove = undefined;
    }
  });

  it('the person signs in at /devicelogin with the user code; until then the token endpoint says authorization_pending', async () => {
    const upn = sim.state.userAt(sim.state.indexOf(admin(2))).userPrincipalName;
    let code = '';
    const token = signInWithDeviceCode({
      authorityHost: sim.authorityHost,
      tenantId: sim.tenantId,
      clientId: sim.publicClientId,
      caPem: sim.caPem,
      purpose: 'approve a test decision',
      say: (m) => {
        code = /enter the code (\S+)/.exec(m)![1]!;
      },
    });
    while (!code) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    const pending = sim.state.requests('token').filter((e) => e.status === 400);
    expect(pending.length).toBeGreaterThan(0);
    const page = await http.fetch(`${sim.authorityHost}/devicelogin`, { auth: false });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<form method="post" action="\/devicelogin">/);
    const wrong = await http.fetch(`${sim.authorityHost}/devicelogin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'NOPE', login: upn }).toString(),
      auth: false,
    });
    expect(wrong.status).toBe(400);
    const login = await http.fetch(`${sim.authorityHost}/devicelogin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, login: upn }).toString(),
      auth: false,
    });
    expect(login.status).toBe(200);
    const id = await verifier.verify(await token);
    expect(id.objectId).toBe(admin(2));
  });

  it('a device code for another app is refused (700016)', async () => {
    const r = await http.fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sim.clientId, scope: 'openid profile' }).toString(),
      auth: false,
    });
    expect(r.status).toBe(400);
    expect((r.json() as { error_codes: number[] }).error_codes).toEqual([700016]);
  });

  it('refuses forged, expired, wrong-audience, wrong-tenant, stale, not-yet-valid, alg-swapped and malformed tokens', async () => {
    const who = admin(1);
    const now = Math.floor(Date.now() / 1000);
    expect(await problem(sim.idToken(who))).toBe('accepted');
    expect(sim.idToken(who)).toMatch(JWT_IN_TEXT); // the pattern the history scans use does find a real token
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(await problem(sim.idToken(who, {}, other))).toBe('signature');
    expect(await problem(sim.idToken(who, { exp: now - 600, iat: now - 4000, nbf: now - 4000 }))).toBe('expired');
    expect(await problem(sim.idToken(who, { aud: sim.clientId }))).toBe('audience');
    expect(await problem(sim.idToken(who, { tid: '00000000-0000-0000-0000-000000000001' }))).toBe('tenant');
    expect(await problem(sim.idToken(who, { iss: `${sim.authorityHost}/common/v2.0` }))).toBe('issuer');
    expect(await problem(sim.idToken(who, { iat: now - 3000 }))).toBe('stale');
    expect(await problem(sim.idToken(who, { nbf: now + 3600 }))).toBe('not_yet_valid');
    expect(await problem(sim.idToken(who, { oid: undefined }))).toBe('claims');
    const [h, p, s] = sim.idToken(who).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    expect(await problem(none)).toBe('algorithm');
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid })).toString('base64url')}.${p}.${s}`;
    expect(await problem(hs)).toBe('algorithm');
    // A claim changed after signing (another oid) breaks the signature.
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const swapped = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: admin(0) })).toString('base64url')}.${s}`;
    expect(await problem(swapped)).toBe('signature');
    expect(await problem('not-a-token')).toBe('malformed');
    expect(await verifier.verify(sim.idToken(who, { nonce: 'n-1' }), { nonce: 'n-1' })).toMatchObject({ objectId: who });
    expect(await verifier.verify(sim.idToken(who, { nonce: 'n-2' })).catch((e: IdTokenError) => e.problem)).toMatchObject({ objectId: who });
    await expect(verifier.verify(sim.idToken(who, { nonce: 'n-2' }), { nonce: 'n-1' })).rejects.toMatchObject({ problem: 'nonce' });
  });

  it('sealed values open only with the key they were sealed for, and not after any change', () => {
    const key = ensureApprovalKey(config);
    const sealed = seal('a comment', key);
    expect(open(sealed, key)).toBe('a comment');
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => open(seal('x', otherKey), key)).toThrow(SealError);
    const parts = sealed.split('.');
    parts[5] = Buffer.from('x'.repeat(16)).toString('base64url').slice(0, 22);
    expect(() => open(parts.join('.'), key)).toThrow(/altered/);
    expect(() => open('eyJhbGciOiJSUzI1NiJ9.e30.sig', key)).toThrow(/Not a sealed value/);
  });

  it('checkMemberGroups is transitive (nested group), returns only the groups the user is in, and caps at 20 ids', async () => {
    const t = (
      await http.tokenRequest({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret, scope: 'https://graph.microsoft.com/.default' })
    ).json() as { access_token: string };
    http.token = t.access_token;
    const check = (user: string, groupIds: string[]) =>
      http.fetch(`${sim.graphUrl}/v1.0/users/${user}/checkMemberGroups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groupIds }) });
    const g = sim.approversGroupId;
    const unknown = '11111111-2222-4333-8444-555555555555';
    expect((await check(admin(1), [g, unknown])).json()).toMatchObject({ value: [g] });
    expect((await check(admin(3), [g])).json()).toMatchObject({ value: [g] }); // through the nested group
    expect((await check(admin(0), [g])).json()).toMatchObject({ value: [] });
    sim.state.directory.removeMember(sim.state.directory.nestedApproversGroupId, admin(3));
    expect((await check(admin(3), [g])).json()).toMatchObject({ value: [] });
    sim.state.directory.addMember(sim.state.directory.nestedApproversGroupId, admin(3));
    const many = Array.from({ length: 21 }, (_, i) => `11111111-2222-4333-8444-${String(i).padStart(12, '0')}`);
    expect((await check(admin(1), many)).status).toBe(400);
    sim.state.setRoles(['Reports.Read.All', 'User.Read.All']);
    try {
      // Without a group permission (and without Directory.Read.All): 403.
      const t2 = (
        await http.tokenRequest({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret, scope: 'https://graph.microsoft.com/.default' })
      ).json() as { access_token: string };
      http.token = t2.access_token;
      expect((await check(admin(1), [g])).status).toBe(403);
    } finally {
      sim.state.setRoles([...DEFAULT_ROLES]);
    }
  });
});
