// The "I still need it" page on its own small HTTP server: what it shows, the headers that keep it scriptless and
// uncached, and the links it refuses (forged, altered, expired, used). Delivery is recorded here; the end-to-end
// path through Temporal is test/e2e/reclaim/notice.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNoticeKeyFile, noticeKeyFrom, readNoticeKeyFile, sealNoticeToken, type NoticeClaims } from '../../src/identity/notice-token';
import { createUserResponseHandler, fileResponseStore, ReclamationClosedError } from '../../src/web/user-response';

const workersKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const KEY = noticeKeyFrom(workersKey);
const NOW = 1_900_000_000;
const claims = { tenantId: 't', workflowId: 'reclaim-t-u', runId: 'r', skus: ['s'], products: ['Microsoft 365 E3 <b>'], removalDate: '2030-03-14', exp: NOW + 3600 };

describe('the "I still need it" page', () => {
  let server: Server;
  let base: string;
  const delivered: Array<{ claims: NoticeClaims; token: string }> = [];
  let failNext: Error | undefined;

  beforeAll(async () => {
    const handler = createUserResponseHandler({
      noticeKey: KEY,
      store: fileResponseStore(mkdtempSync(path.join(os.tmpdir(), 'answers-'))),
      now: () => NOW,
      deliver: async (c, token) => {
        if (failNext) {
          const e = failNext;
          failNext = undefined;
          throw e;
        }
        delivered.push({ claims: c, token });
      },
    });
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('GET shows the products (escaped) and the date with a POST form, no script, a strict CSP, no referrer, no cache', async () => {
    const { token } = sealNoticeToken(claims, KEY);
    const res = await fetch(base + token);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("form-action 'self'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('Microsoft 365 E3 &lt;b&gt;');
    expect(html).toContain('2030-03-14');
    expect(html).toContain('<form method="post">');
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    expect(delivered).toHaveLength(0);
  });

  it('POST delivers once: a second post and a later GET are refused; a failed delivery can be retried', async () => {
    const { token } = sealNoticeToken(claims, KEY);
    failNext = new Error('temporal down');
    const down = await fetch(base + token, { method: 'POST', body: 'answer=still_needed' });
    expect(down.status).toBe(503);
    expect(delivered).toHaveLength(0);
    const ok = await fetch(base + token, { method: 'POST', body: 'answer=still_needed' });
    expect(ok.status).toBe(200);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ token, claims: { workflowId: 'reclaim-t-u', runId: 'r' } });
    expect((await fetch(base + token, { method: 'POST', body: '' })).status).toBe(409);
    expect((await fetch(base + token)).status).toBe(410);
    expect(delivered).toHaveLength(1);
  });

  it('refuses links sealed with another key, altered, expired, or for a reclamation that has ended', async () => {
    const other = sealNoticeToken(claims, noticeKeyFrom(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)).token;
    expect((await fetch(base + other, { method: 'POST' })).status).toBe(404);
    const { token } = sealNoticeToken(claims, KEY);
    const altered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await fetch(base + altered, { method: 'POST' })).status).toBe(404);
    const expired = sealNoticeToken({ ...claims, exp: NOW - 1 }, KEY).token;
    expect((await fetch(base + expired, { method: 'POST' })).status).toBe(410);
    failNext = new ReclamationClosedError('gone');
    expect((await fetch(base + sealNoticeToken(claims, KEY).token, { method: 'POST' })).status).toBe(410);
    expect((await fetch(base + 'anything', { method: 'DELETE' })).status).toBe(405);
    expect(delivered).toHaveLength(1);
  });

  it('the workers leave the derived key for the page in a 0600 file beside their key; it opens what they seal', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keys-'));
    const file = ensureNoticeKeyFile(path.join(dir, 'approval-key.pem'), workersKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readNoticeKeyFile(file).equals(KEY)).toBe(true);
  });
});
