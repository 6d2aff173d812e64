// TLS (mutual, when a client certificate is set) from the worker and CLI to a production Temporal server:
// TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (client certificate), TEMPORAL_TLS_CA (server's CA), TEMPORAL_TLS_SERVER_NAME;
// or an API key (TEMPORAL_API_KEY, Temporal Cloud's other way in), which turns TLS on by itself.
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config';

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** The `tls` option for Connection.connect / NativeConnection.connect; undefined means plaintext (local dev server). */
export function temporalTls(config: Pick<AppConfig, 'temporalTls'>): TemporalTls | undefined {
  const t = config.temporalTls;
  if (!t) return undefined;
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`Cannot read ${what} ${file}: check the TEMPORAL_TLS_* settings.`, { cause: err });
    }
  };
  return {
    serverNameOverride: t.serverName,
    serverRootCACertificate: t.caPath ? read(t.caPath, 'the Temporal CA certificate (TEMPORAL_TLS_CA)') : undefined,
    clientCertPair:
      t.certPath && t.keyPath ? { crt: read(t.certPath, 'the client certificate (TEMPORAL_TLS_CERT)'), key: read(t.keyPath, 'the client key (TEMPORAL_TLS_KEY)') } : undefined,
  };
}

/** `tls` and `apiKey` for Connection.connect / NativeConnection.connect. With an API key and no TLS settings the
 * SDK still uses TLS (with the system's CAs): a key never travels in plaintext. */
export function temporalConnectionOptions(config: Pick<AppConfig, 'temporalTls' | 'temporalApiKey'>): { tls?: TemporalTls; apiKey?: string } {
  const tls = temporalTls(config);
  return { ...(tls ? { tls } : {}), ...(config.temporalApiKey ? { apiKey: config.temporalApiKey } : {}) };
}

/** Why a connection failed, in one line: a refused certificate or a role the server denies reads differently from a
 * server that is down, and with mutual TLS it is most often the former. */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').slice(0, 300) || 'no reason given';
}
