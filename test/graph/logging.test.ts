// What the Graph client and the token provider log: retries and throttling waits with a log-safe path and
// the operation name, MSAL's warnings; never the query string, a skiptoken, a UPN or the token.
import { LogLevel } from '@azure/msal-node';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/graph/client';
import { GraphThrottledError } from '../../src/graph/errors';
import { msalLogging } from '../../src/graph/token-provider';
import { captureLogger } from '../support/capture-logger';
import { fakeToken, json, startStub, type Stub } from '../support/graph-stub-server';

const TOKEN = fakeToken(['User.Read.All', 'LicenseAssignment.ReadWrite.All']);
const tokens = { clientId: 'app-1', getToken: async () => TOKEN };

let stub: Stub | undefined;
let client: GraphClient | undefined;
afterEach(async () => {
  await client?.close();
  await stub?.close();
  client = stub = undefined;
});

describe('GraphClient logging', () => {
  it('logs each throttling wait and retry as JSON with status, attempt, wait and path template only', async () => {
    const cap = captureLogger();
    stub = await startStub((_r, res, n) => {
      if (n === 1) json(res, 429, { error: { code: 'TooManyRequests', message: 'Retry later.' } }, { 'retry-after': '1' });
      else if (n === 2) json(res, 503, { error: { code: 'serviceNotAvailable', message: 'jane@contoso.com is busy' } });
      else json(res, 200, { value: [] });
    });
    client = new GraphClient({ graphUrl: stub.url, tokens, caPem: stub.caPem, logger: cap.logger, sleep: async () => {}, backoff: { baseMs: 10, maxMs: 20 } });
    await client.getJson(`${stub.url}/v1.0/users?$filter=userPrincipalName eq 'jane@contoso.com'&$skiptoken=SKIPSECRET`);
    const retries = cap.lines().filter((l) => typeof l.msg === 'string' && l.msg.includes('waiting before the retry'));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ level: 40, component: 'graph', method: 'GET', operation: 'readUsers', path: '/v1.0/users', status: 429, attempt: 1, retryAfterMs: 1000 });
    expect(retries[0]?.msg).toMatch(/throttled/);
    expect(retries[0]?.waitMs as number).toBeGreaterThanOrEqual(1000);
    expect(retries[1]).toMatchObject({ status: 503, attempt: 2, operation: 'readUsers' });
    const text = cap.text();
    for (const secret of ['SKIPSECRET', 'skiptoken', 'jane', 'contoso', TOKEN, 'Bearer']) expect(text).not.toContain(secret);
  });

  it('logs giving up, with UPNs in the path replaced', async () => {
    const cap = captureLogger();
    stub = await startStub((_r, res) => json(res, 429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '1' }));
    client = new GraphClient({ graphUrl: stub.url, tokens, caPem: stub.caPem, logger: cap.logger, sleep: async () => {}, maxRetries: 1 });
    await expect(client.postJson('/users/jane@contoso.com/assignLicense', { addLicenses: [], removeLicenses: [] })).rejects.toBeInstanceOf(GraphThrottledError);
    const lines = cap.lines();
    expect(lines.find((l) => String(l.msg).startsWith('graph retries given up'))).toMatchObject({
      operation: 'assignLicense',
      path: '/v1.0/users/{user}/assignLicense',
      attempts: 2,
    });
    expect(cap.text()).not.toContain('jane');
  });
});

describe('MSAL logging', () => {
  it('pipes MSAL warnings and errors to the logger with PII logging off, and drops lines marked as PII', () => {
    const cap = captureLogger();
    const opts = msalLogging(cap.logger);
    expect(opts.piiLoggingEnabled).toBe(false);
    expect(opts.logLevel).toBe(LogLevel.Warning);
    opts.loggerCallback?.(LogLevel.Warning, 'authority metadata is stale', false);
    opts.loggerCallback?.(LogLevel.Error, 'network failure', false);
    opts.loggerCallback?.(LogLevel.Warning, 'user jane@contoso.com', true);
    expect(cap.lines().map((l) => [l.level, l.msg])).toEqual([
      [40, 'msal: authority metadata is stale'],
      [50, 'msal: network failure'],
    ]);
  });
});
