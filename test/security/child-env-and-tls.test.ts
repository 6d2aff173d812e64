// Child processes (the Temporal dev server) get a minimal environment, never the client secret;
// TEMPORAL_TLS_* configure mTLS to a production Temporal server for the worker and the CLI.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config';
import { minimalChildEnv } from '../../src/temporal/child-env';
import { startDevServer } from '../../src/temporal/dev-server';
import { temporalTls } from '../../src/temporal/tls';
import { tempDir } from '../support/staging-fixtures';

const SECRET = 'sEcReT-value-for-child-env-test';

describe('child process environment', () => {
  it('keeps what a program needs to run and drops the pipeline settings', () => {
    const env = minimalChildEnv([], { EXTRA: '1' }, { PATH: '/bin', HOME: '/h', TMPDIR: '/t', M365_CLIENT_SECRET: SECRET, M365_CLIENT_ID: 'x', TEMPORAL_TLS_KEY: '/k' });
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', TMPDIR: '/t', EXTRA: '1' });
  });

  it('the dev server process does not see M365_CLIENT_SECRET', async () => {
    process.env.M365_CLIENT_SECRET = SECRET;
    const server = await startDevServer({ readyTimeoutMs: 90_000 });
    try {
      const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      expect(environ.join('\n')).not.toContain(SECRET);
      expect(environ.map((e) => e.split('=')[0]).filter((n) => n!.startsWith('M365_'))).toEqual([]);
      expect(environ.some((e) => e.startsWith('PATH='))).toBe(true);
    } finally {
      delete process.env.M365_CLIENT_SECRET;
      await server.stop();
    }
  });
});

describe('TEMPORAL_TLS_*', () => {
  it('reads the client pair, the CA and the server name; plaintext when unset', () => {
    const dir = tempDir('sec-tls-');
    for (const f of ['c.pem', 'k.pem', 'ca.pem']) writeFileSync(path.join(dir, f), `-----${f}-----`);
    expect(temporalTls(parseConfig({}))).toBeUndefined();
    const tls = temporalTls(
      parseConfig({
        TEMPORAL_TLS_CERT: path.join(dir, 'c.pem'),
        TEMPORAL_TLS_KEY: path.join(dir, 'k.pem'),
        TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    )!;
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(tls.clientCertPair?.crt.toString()).toBe('-----c.pem-----');
    expect(tls.clientCertPair?.key.toString()).toBe('-----k.pem-----');
    expect(tls.serverRootCACertificate?.toString()).toBe('-----ca.pem-----');
  });

  it('refuses a certificate without its key, and names an unreadable file', () => {
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(ConfigError);
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(() => temporalTls(parseConfig({ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }))).toThrow(/TEMPORAL_TLS_CA/);
  });
});
