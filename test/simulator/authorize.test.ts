// The simulator's browser sign-in (authorization code flow with PKCE) as MSAL Node drives it, and the ways a code
// must NOT be redeemable: without the PKCE verifier, with another redirect URI, twice. Unregistered redirect URIs
// and requests without S256 PKCE never get a sign-in page.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthCodeSignIn } from '../../src/identity/auth-code-sign-in';
import { IdTokenVerifier } from '../../src/identity/verify-id-token';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { SimClient } from '../support/simulator-client';

const REDIRECT = 'http://127.0.0.1:8400/auth/callback';
const decode = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('simulator authorize endpoint (authorization code + PKCE)', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 50, seed: 5 });
    c = new SimClient(sim);
  });
  afterAll(async () => {
    await c.close();
    await sim.close();
  });

  const upnOf = (i: number): string => sim.state.userAt(sim.state.indexOf(sim.state.directory.admins[i]!)).userPrincipalName;

  /** Opens the sign-in page of `url` and picks `login` as a person would; the redirect's code and state. */
  async function pickAccount(url: string, login: string): Promise<{ code: string; state: string; location: string }> {
    const pageRes = await c.fetch(url);
    expect(pageRes.status).toBe(200);
    expect(pageRes.text).toContain(login);
    const request = /name="request" value="([^"]+)"/.exec(pageRes.text)![1]!;
    const posted = await c.fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request, login }).toString(),
    });
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.location!);
    return { code: location.searchParams.get('code')!, state: location.searchParams.get('state')!, location: posted.headers.location! };
  }

  const signIn = () => new AuthCodeSignIn({ authorityHost: sim.authorityHost, tenantId: sim.tenantId, clientId: sim.publicClientId, caPem: sim.caPem, redirectUri: REDIRECT });

  it('MSAL Node signs a person in: the code comes back to the redirect URI with the state, and redeems for their ID token with the nonce', async () => {
    const s = signIn();
    try {
      const { url, pending } = await s.begin();
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      const back = await pickAccount(url, upnOf(1));
      expect(back.location.startsWith(`${REDIRECT}?`)).toBe(true);
      expect(back.state).toBe(pending.state);
      const idToken = await s.finish(back.code, pending);
      const v = new IdTokenVerifier({ authorityHost: sim.authorityHost, tenantId: sim.tenantId, clientId: sim.publicClientId, caPem: sim.caPem });
      try {
        const who = await v.verify(idToken, { nonce: pending.nonce });
        expect(who.objectId).toBe(sim.state.directory.admins[1]);
        expect(who.upn).toBe(upnOf(1));
      } finally {
        await v.close();
      }
      // The code was redeemed: a second redemption is refused.
      await expect(s.finish(back.code, pending)).rejects.toThrow(/Sign-in failed/);
    } finally {
      await s.close();
    }
  });

  it('refuses a code without the right PKCE verifier or with another redirect URI, and spoils it on the first try', async () => {
    const s = signIn();
    try {
      const { url, pending } = await s.begin();
      const { code } = await pickAccount(url, upnOf(2));
      const redeem = (extra: Record<string, string>) =>
        c.tokenRequest({ grant_type: 'authorization_code', client_id: sim.publicClientId, code, redirect_uri: REDIRECT, scope: 'openid profile', ...extra });
      const wrong = await redeem({ code_verifier: 'x'.repeat(43) });
      expect(wrong.status).toBe(400);
      expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
      expect(String((wrong.json() as { error_description: string }).error_description)).toMatch(/Code_Verifier does not match/);
      // The right verifier after a wrong try: too late, the code is spent (a thief guessing cannot race the app).
      const late = await redeem({ code_verifier: pending.codeVerifier });
      expect(late.status).toBe(400);

      const again = await s.begin();
      const second = await pickAccount(again.url, upnOf(2));
      const elsewhere = await c.tokenRequest({
        grant_type: 'authorization_code',
        client_id: sim.publicClientId,
        code: second.code,
        redirect_uri: 'http://127.0.0.1:9999/cb',
        code_verifier: again.pending.codeVerifier,
        scope: 'openid',
      });
      expect(elsewhere.status).toBe(400);
      expect(String((elsewhere.json() as { error_description: string }).error_description)).toMatch(/redirect URI does not match/);
    } finally {
      await s.close();
    }
  });

  it('shows no sign-in page for an unregistered redirect URI, a missing S256 challenge, or another app', async () => {
    const challenge = createHash('sha256').update('v'.repeat(43)).digest('base64url');
    const authorize = (q: Record<string, string>) =>
      c.fetch(
        `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: sim.publicClientId, response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', ...q }).toString()}`,
      );
    expect((await authorize({})).status).toBe(200);
    const evil = await authorize({ redirect_uri: 'http://evil.example/cb' });
    expect(evil.status).toBe(400);
    expect(evil.text).toMatch(/AADSTS50011/);
    expect((await authorize({ code_challenge_method: 'plain' })).text).toMatch(/AADSTS9002325/);
    expect((await authorize({ client_id: sim.clientId })).text).toMatch(/AADSTS700016/);
    const claims = decode(sim.idToken(sim.state.directory.admins[0]!));
    expect(claims.aud).toBe(sim.publicClientId);
  });
});
