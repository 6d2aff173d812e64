import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyNetworkError, loggablePath, parseGraphError, parseRetryAfter } from '../../src/graph/http';
import { GraphAuthError, GraphThrottledError, redactPersonalData } from '../../src/graph/errors';
import { decodeRoles } from '../../src/graph/roles';
import { fakeToken } from '../support/graph-stub-server';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads integer seconds', () => expect(parseRetryAfter('3', now)).toBe(3000));
  it('reads fractional seconds, rounding up', () => {
    expect(parseRetryAfter('2.128', now)).toBe(2128);
    expect(parseRetryAfter('0.0001', now)).toBe(1);
  });
  it('reads an HTTP date relative to now', () => expect(parseRetryAfter('Wed, 01 May 2024 12:00:07 GMT', now)).toBe(7000));
  it('treats a past HTTP date as no wait', () => expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0));
  it('returns undefined when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1e3', now)).toBeUndefined();
  });
  it('takes the first of repeated headers', () => expect(parseRetryAfter(['1', '9'], now)).toBe(1000));
});

describe('backoffDelay (full jitter)', () => {
  const policy = { baseMs: 100, maxMs: 2000 };
  it('stays within [0, min(max, base*2^attempt))', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(2000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
      const hi = backoffDelay(attempt, policy, () => 0.999999);
      expect(hi).toBeLessThan(ceiling);
      expect(hi).toBeGreaterThanOrEqual(ceiling - 1);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });
  it('never overflows for huge attempt numbers', () => expect(backoffDelay(10_000, policy, () => 0.5)).toBe(1000));
});

describe('classifyNetworkError', () => {
  const withCode = (code: string, cause?: unknown) => Object.assign(new Error(code, { cause }), { code });
  it('retries resets, socket errors and timeouts', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ECONNREFUSED']) {
      expect(classifyNetworkError(withCode(code)).kind).toBe('network');
    }
    expect(classifyNetworkError(new DOMException('t', 'TimeoutError')).kind).toBe('network');
  });
  it('finds codes in the cause chain', () => expect(classifyNetworkError(new TypeError('fetch failed', { cause: withCode('ECONNRESET') })).code).toBe('ECONNRESET'));
  it('does not retry TLS trust failures', () => {
    expect(classifyNetworkError(withCode('SELF_SIGNED_CERT_IN_CHAIN')).kind).toBe('tls');
    expect(classifyNetworkError(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).kind).toBe('tls');
  });
});

describe('parseGraphError', () => {
  it('reads the standard envelope', () => {
    const e = parseGraphError(JSON.stringify({ error: { code: 'Request_BadRequest', message: 'bad', innerError: { 'request-id': 'r1', date: 'x' } } }));
    expect(e).toEqual({ code: 'Request_BadRequest', message: 'bad', requestId: 'r1' });
  });
  it('unwraps the reports shape with a JSON string in message', () => {
    const body = { error: { code: 'UnknownError', message: '{"error":{"code":"S2SUnauthorized","message":"Invalid permission."}}', innerError: { 'request-id': 'r2' } } };
    expect(parseGraphError(JSON.stringify(body))).toEqual({ code: 'S2SUnauthorized', message: 'Invalid permission.', requestId: 'r2' });
  });
  it('tolerates non-JSON bodies', () => expect(parseGraphError('<html>')).toEqual({}));
});

describe('log safety', () => {
  it('drops query strings and user keys from paths', () => {
    expect(loggablePath('https://graph.example/v1.0/users/jane.doe@contoso.com/assignLicense?$select=x')).toBe('/v1.0/users/{user}/assignLicense');
    expect(loggablePath('/v1.0/users/jane%40contoso.com')).toBe('/v1.0/users/{user}');
    expect(loggablePath("/v1.0/users?$filter=mail eq 'a@b.c'")).toBe('/v1.0/users');
  });
  it('redacts addresses in messages', () => expect(redactPersonalData("Resource 'jane@contoso.com' does not exist")).toBe("Resource '<user>' does not exist"));
});

describe('errors', () => {
  it('carry stable names, ids and cause', () => {
    const cause = new Error('x');
    const e = new GraphAuthError('fix it', { aadsts: 7000215, requestId: 'r', clientRequestId: 'c', cause });
    expect(e.name).toBe('GraphAuthError');
    expect(e.message).toContain('request-id r');
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
    expect(new GraphThrottledError('t', { retryAfterMs: 5 }).retryAfterMs).toBe(5);
  });
});

describe('decodeRoles', () => {
  it('reads the roles claim', () => expect(decodeRoles(fakeToken(['Reports.Read.All', 'User.Read.All']))).toEqual(['Reports.Read.All', 'User.Read.All']));
  it('returns [] for tokens without roles or garbage', () => {
    expect(decodeRoles(fakeToken([]))).toEqual([]);
    expect(decodeRoles('not-a-jwt')).toEqual([]);
  });
});
