// The Graph client's edge logic against a local HTTPS stub with its own CA.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphClient, type RetryInfo } from '../../src/graph/client';
import type { TokenProvider } from '../../src/graph/token-provider';
import { preflight } from '../../src/graph/preflight';
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
import { fakeToken, json, startStub, type Stub, type StubHandler } from '../support/graph-stub-server';

const ROLES = ['User.Read.All', 'Organization.Read.All'];

function fakeTokens(roles = ROLES, calls: { force: number; n: number } = { force: 0, n: 0 }): TokenProvider {
  return {
    clientId: 'app-123',
    tenantId: 'tenant-1',
    getToken: async (opts?: { forceRefresh?: boolean }) => {
      calls.n++;
      if (opts?.forceRefresh) calls.force++;
      return fakeToken(roles);
    },
    close: async () => {},
  } as unknown as TokenProvider;
}

let stub: Stub | undefined;
let client: GraphClient | undefined;
afterEach(async () => {
  await client?.close();
  await stub?.close();
  client = undefined;
  stub = undefined;
});

async function setup(handler: StubHandler, extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}) {
  stub = await startStub(handler);
  const waits: number[] = [];
  const retries: RetryInfo[] = [];
  client = new GraphClient({
    graphUrl: stub.url,
    tokens: fakeTokens(),
    caPem: stub.caPem,
    timeoutMs: 2000,
    sleep: async (ms) => {
      waits.push(ms);
    },
    onRetry: (i) => retries.push(i),
    ...extra,
  });
  return { stub, client, waits, retries };
}

describe('GraphClient requests', () => {
  it('sends a bearer token and a fresh client-request-id, and prefixes /v1.0', async () => {
    const { client, stub } = await setup((_r, res) => json(res, 200, { value: [] }));
    await client.getJson('/users?$top=1');
    await client.getJson('/v1.0/users?$top=1');
    expect(stub.requests.map((r) => r.path)).toEqual(['/v1.0/users?$top=1', '/v1.0/users?$top=1']);
    const ids = stub.requests.map((r) => r.headers['client-request-id']);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(stub.requests[0]?.headers.authorization).toMatch(/^Bearer ey/);
  });

  it('returns the body text unchanged', async () => {
    const body = '{"value":[{"id":"1"}],  "@odata.nextLink":"x"}';
    const { client } = await setup((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    expect(await client.getJsonText('/users')).toBe(body);
  });

  it('refuses to send the token to another origin', async () => {
    const { client } = await setup((_r, res) => json(res, 200, {}));
    await expect(client.getJson('https://evil.example/v1.0/users')).rejects.toBeInstanceOf(GraphBadRequestError);
  });

  it('honours integer, fractional and date Retry-After on 429', async () => {
    const answers = ['2', '0.25', new Date(Date.now() + 3000).toUTCString()];
    const { client, waits, retries } = await setup((_r, res, n) => {
      const ra = answers[n - 1];
      if (ra) json(res, 429, { error: { code: 'TooManyRequests', message: 'Please retry again later.' } }, { 'retry-after': ra });
      else json(res, 200, { value: [1] });
    });
    expect(await client.getJson<{ value: number[] }>('/users')).toEqual({ value: [1] });
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
    expect(waits[1]).toBeGreaterThanOrEqual(250);
    expect(waits[2]).toBeGreaterThanOrEqual(1000); // HTTP dates have 1 s resolution
    expect(retries.map((r) => r.status)).toEqual([429, 429, 429]);
  });

  it('backs off with jitter on 503 without Retry-After, then gives up as GraphTransientError', async () => {
    const { client, waits, stub } = await setup((_r, res) => json(res, 503, { error: { code: 'serviceNotAvailable', message: 'x' } }), {
      maxRetries: 3,
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    const err = await client.getJson('/users').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphTransientError);
    expect((err as GraphTransientError).name).toBe('GraphTransientError');
    expect((err as Error).message).toMatch(/request-id req-503/);
    expect(stub.requests).toHaveLength(4);
    waits.forEach((w, i) => expect(w).toBeLessThan(100 * 2 ** i));
  });

  it('throws GraphThrottledError at once when Retry-After exceeds the cap', async () => {
    const { client, stub } = await setup((_r, res) => json(res, 429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '600' }), { maxRetryAfterMs: 10_000 });
    const err = (await client.getJson('/users').catch((e: unknown) => e)) as GraphThrottledError;
    expect(err).toBeInstanceOf(GraphThrottledError);
    expect(err.retryAfterMs).toBe(600_000);
    expect(stub.requests).toHaveLength(1);
  });

  it('stops when the retry budget is spent', async () => {
    const { client, stub } = await setup((_r, res) => json(res, 429, {}, { 'retry-after': '4' }), { retryBudgetMs: 10_000 });
    await expect(client.getJson('/users')).rejects.toBeInstanceOf(GraphThrottledError);
    expect(stub.requests).toHaveLength(3); // waits 4 s + 4 s; the third wait would exceed 10 s
  });

  it('retries a connection reset', async () => {
    const { client } = await setup((_r, res, n) => {
      if (n === 1) res.socket?.destroy();
      else json(res, 200, { ok: true });
    });
    expect(await client.getJson('/users')).toEqual({ ok: true });
  });

  it('retries a timeout', async () => {
    const { client } = await setup(
      (_r, res, n) => {
        if (n === 1) setTimeout(() => json(res, 200, { late: true }), 1500);
        else json(res, 200, { ok: true });
      },
      { timeoutMs: 300 },
    );
    expect(await client.getJson('/users')).toEqual({ ok: true });
  });

  it('maps 401 to GraphAuthError after one token refresh', async () => {
    stub = await startStub((_r, res) => json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } }));
    const calls = { force: 0, n: 0 };
    client = new GraphClient({ graphUrl: stub.url, tokens: fakeTokens(ROLES, calls), caPem: stub.caPem, sleep: async () => {} });
    const err = await client.getJson('/users').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphAuthError);
    expect(calls.force).toBe(1);
    expect(stub.requests).toHaveLength(2);
  });

  it('maps the reports 403 (nested S2SUnauthorized) to GraphPermissionError naming Reports.Read.All', async () => {
    const { client, stub } = await setup((_r, res) =>
      json(res, 403, { error: { code: 'UnknownError', message: '{"error":{"code":"S2SUnauthorized","message":"Invalid permission."}}', innerError: {} } }),
    );
    const err = (await client.getJson("/reports/getOffice365ActiveUserDetail(period='D7')").catch((e: unknown) => e)) as GraphPermissionError;
    expect(err).toBeInstanceOf(GraphPermissionError);
    expect(err.missing).toEqual(['Reports.Read.All']);
    expect(err.message).toContain('S2SUnauthorized');
    expect(err.message).toContain('API permissions → Add a permission → Microsoft Graph → Application permissions → Reports.Read.All');
    expect(err.message).toContain('Grant admin consent');
    expect(stub.requests).toHaveLength(1);
  });

  it('maps 404 and 400 on assignLicense, without the UPN in the message', async () => {
    const { client } = await setup((r, res) => {
      if (r.path.includes('ghost')) json(res, 404, { error: { code: 'Request_ResourceNotFound', message: "Resource 'ghost@contoso.com' does not exist." } });
      else json(res, 400, { error: { code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' } });
    });
    const nf = (await client.postJson('/users/ghost@contoso.com/assignLicense', { addLicenses: [], removeLicenses: [] }).catch((e: unknown) => e)) as GraphNotFoundError;
    expect(nf).toBeInstanceOf(GraphNotFoundError);
    expect(nf.message).not.toContain('ghost@contoso.com');
    const br = (await client.postJson('/users/x/assignLicense', { addLicenses: [], removeLicenses: [] }).catch((e: unknown) => e)) as GraphBadRequestError;
    expect(br).toBeInstanceOf(GraphBadRequestError);
    expect(br.code).toBe('Request_BadRequest');
    expect(br.graphMessage).toContain('invalid usage location');
  });

  it('maps an expired page token on a nextLink to SkipTokenExpiredError', async () => {
    const { client, stub } = await setup((_r, res) =>
      json(res, 400, { error: { code: 'Directory_ExpiredPageToken', message: 'The specified page token value has expired and can no longer be included in your request.' } }),
    );
    await expect(client.getJson(`${stub.url}/v1.0/users?$top=999&$skiptoken=abc`)).rejects.toBeInstanceOf(SkipTokenExpiredError);
  });

  it('fails TLS without the CA (verification stays on)', async () => {
    stub = await startStub((_r, res) => json(res, 200, {}));
    client = new GraphClient({ graphUrl: stub.url, tokens: fakeTokens(), sleep: async () => {} });
    await expect(client.getJson('/users')).rejects.toBeInstanceOf(GraphTlsError);
  });
});

describe('GraphClient.downloadReport', () => {
  const csv = 'Report Refresh Date,User Principal Name\n' + Array.from({ length: 5000 }, (_, i) => `2024-05-01,user${i}@contoso.com`).join('\n') + '\n';

  function reportHandler(opts: { resetFirst?: number }): StubHandler {
    let downloads = 0;
    let links = 0;
    return (r, res) => {
      if (r.path.startsWith('/v1.0/reports/')) {
        links++;
        res.writeHead(302, { location: `/download/${links}`, 'content-type': 'text/plain' });
        res.end();
        return;
      }
      downloads++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(Buffer.byteLength(csv)) });
      if (downloads <= (opts.resetFirst ?? 0)) {
        res.write(csv.slice(0, csv.length / 2), () => res.socket?.destroy());
        return;
      }
      res.end(csv);
    };
  }

  it('follows the 302 without Authorization and streams to disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'graph-dl-'));
    const { client, stub } = await setup(reportHandler({}));
    const dest = path.join(dir, 'report.csv');
    const result = await client.downloadReport("/reports/getOffice365ActiveUserDetail(period='D7')", dest);
    expect(readFileSync(dest, 'utf8')).toBe(csv);
    expect(result).toEqual({ bytes: Buffer.byteLength(csv), sha256: createHash('sha256').update(csv).digest('hex'), rows: 5000 });
    const dl = stub.requests.find((r) => r.path.startsWith('/download/'));
    expect(dl?.headers.authorization).toBeUndefined();
    expect(stub.requests[0]?.headers.authorization).toMatch(/^Bearer /);
  });

  it('starts over with a fresh link after a reset mid-body, leaving no temp files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'graph-dl-'));
    const { client, stub, retries } = await setup(reportHandler({ resetFirst: 2 }));
    const dest = path.join(dir, 'report.csv');
    const result = await client.downloadReport("/reports/getOffice365ActiveUserDetail(period='D7')", dest);
    expect(readFileSync(dest, 'utf8')).toBe(csv);
    expect(result.rows).toBe(5000);
    expect(stub.requests.filter((r) => r.path.startsWith('/v1.0/reports/'))).toHaveLength(3);
    expect(new Set(stub.requests.filter((r) => r.path.startsWith('/download/')).map((r) => r.path)).size).toBe(3);
    expect(retries).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });
});

describe('preflight', () => {
  it('passes with Directory.Read.All + Reports.Read.All', async () => {
    const p = await preflight(fakeTokens(['Directory.Read.All', 'Reports.Read.All']), { needReclaim: false });
    expect(p).toMatchObject({ canReclaim: false, canReadReportSettings: false });
  });
  it('names every missing permission', async () => {
    const err = (await preflight(fakeTokens(['User.Read.All']), { needReclaim: true }).catch((e: unknown) => e)) as GraphPermissionError;
    expect(err).toBeInstanceOf(GraphPermissionError);
    expect(err.missing).toEqual(['Organization.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All']);
    for (const m of err.missing) expect(err.message).toContain(m);
    expect(err.message).toContain('Grant admin consent');
  });
  it('asks for reclaim permissions only when reclamation is enabled', async () => {
    const roles = ['User.Read.All', 'Organization.Read.All', 'Reports.Read.All'];
    await expect(preflight(fakeTokens(roles), { needReclaim: false })).resolves.toMatchObject({ canReclaim: false });
    await expect(preflight(fakeTokens(roles), { needReclaim: true })).rejects.toBeInstanceOf(GraphPermissionError);
    await expect(preflight(fakeTokens([...roles, 'User.ReadWrite.All']), { needReclaim: true })).resolves.toMatchObject({ canReclaim: true });
  });
  it('says so when no permission was consented at all', async () => {
    const err = (await preflight(fakeTokens([]), { needReclaim: false }).catch((e: unknown) => e)) as GraphPermissionError;
    expect(err.missing).toEqual(['Directory.Read.All', 'Reports.Read.All']);
    expect(err.message).toMatch(/admin consent was never granted/);
  });
});
