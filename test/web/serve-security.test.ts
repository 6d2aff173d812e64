// The web inbox's transport and headers, without a browser: loopback by default and nothing else without TLS;
// behind TLS the cookies are Secure and HSTS is sent; every answer forbids inline script and framing; a signed-out
// visitor is sent to sign in; a post from another origin or without a session is refused before anything runs.
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { getPki } from '../../src/simulator/tls';
import { parseServeOptions } from '../../src/web/options';
import { startWebServer, type RunningWebServer } from '../../src/web/server';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');

describe('serve options', () => {
  it('binds 127.0.0.1 by default and refuses any other address without TLS', () => {
    expect(parseServeOptions({})).toMatchObject({ host: '127.0.0.1', port: 8400 });
    expect(() => parseServeOptions({ host: '0.0.0.0' })).toThrow(/without TLS: give --tls-cert and --tls-key/);
    expect(() => parseServeOptions({ host: '192.168.1.5', tlsCert: '/x' })).toThrow(/go together/);
    expect(() => parseServeOptions({ publicUrl: 'http://inbox.example.com' })).toThrow(/must be https/);
    expect(() => parseServeOptions({ port: '99999' })).toThrow(/port/);
  });

  it('`m365-license serve --host 0.0.0.0` without TLS is a usage error (exit 2)', async () => {
    const r = await exec(process.execPath, [BIN, 'serve', '--host', '0.0.0.0'], { env: { ...process.env, M365_TENANT_ID: '' } }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(/without TLS/);
  });
});

describe('the inbox server behind TLS', () => {
  let sim: SimulatorHandle;
  let web: RunningWebServer;
  let agent: Agent;
  beforeAll(async () => {
    sim = await startSimulator({ users: 20, seed: 9 });
    const pki = await getPki();
    // The simulator's CA also signs a localhost certificate: the inbox serves it, the client trusts that CA.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-web-tls-'));
    writeFileSync(path.join(dir, 'cert.pem'), pki.serverCertPem + pki.caPem);
    writeFileSync(path.join(dir, 'key.pem'), pki.serverKeyPem, { mode: 0o600 });
    const opts = parseServeOptions({ host: '127.0.0.1', port: '0', tlsCert: path.join(dir, 'cert.pem'), tlsKey: path.join(dir, 'key.pem') });
    web = await startWebServer(opts, {
      // Connects lazily: none of these requests reaches Temporal.
      client: new Client(),
      tenantId: sim.tenantId,
      taskQueue: 'unused',
      dbPath: path.join(dir, 'none.duckdb'),
      publicKey: createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      maxAgeSeconds: 600,
      authorityHost: sim.authorityHost,
      clientId: sim.publicClientId,
      caPem: sim.caPem,
      logger: silentLogger,
    });
    agent = new Agent({ connect: { ca: pki.caPem } });
  });
  afterAll(async () => {
    await agent?.close();
    await web?.close();
    await sim?.close();
  });

  const get = (p: string, headers: Record<string, string> = {}) => request(`${web.url}${p}`, { dispatcher: agent, headers });

  it('serves https with HSTS and a CSP that allows no script, no inline style and no framing', async () => {
    expect(web.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get('/');
    await r.body.text();
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    // Signed out: sent to sign in, then back to where they were.
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/signin?return=%2F');
  });

  it('starts the sign-in at the authority with PKCE, holding its state in a Secure, HTTP-only cookie', async () => {
    const r = await get('/signin?return=/history');
    await r.body.text();
    expect(r.statusCode).toBe(303);
    const to = new URL(String(r.headers.location));
    expect(`${to.origin}${to.pathname}`).toBe(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/authorize`);
    expect(to.searchParams.get('redirect_uri')).toBe(`${web.url}/auth/callback`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^m365_signin=[A-Za-z0-9_-]+; Path=\/auth\/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/);
    // The verifier never leaves the server.
    expect(to.search).not.toContain('code_verifier');
  });

  it('refuses a callback this browser did not start, a post without a session and a post from another origin', async () => {
    const cb = await get('/auth/callback?code=abc&state=xyz');
    expect(cb.statusCode).toBe(400);
    expect(await cb.body.text()).toContain('not started in this browser');
    // Started here, but the code is not one the authority issued: a clear page, no session.
    const start = await get('/signin');
    await start.body.text();
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const pendingCookie = String(start.headers['set-cookie']).split(';')[0]!;
    const bogus = await get(`/auth/callback?code=not-a-code&state=${encodeURIComponent(state)}`, { cookie: pendingCookie });
    expect(bogus.statusCode).toBe(400);
    expect(await bogus.body.text()).toContain('Sign-in failed (invalid_grant)');
    expect(String(bogus.headers['set-cookie'])).not.toContain('m365_session=');
    const post = (headers: Record<string, string>) =>
      request(`${web.url}/signout`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'form_token=x' });
    const noSession = await post({ origin: web.url });
    expect(noSession.statusCode).toBe(403);
    expect(await noSession.body.text()).toContain('session has ended');
    const foreign = await post({ origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(await foreign.body.text()).toContain('sent from another site');
  });
});
