// Where the web inbox listens and how it is reached. Loopback by default; any other address only with TLS (a
// certificate and key), so sessions and sign-ins never cross a network in clear text.
import { readFileSync } from 'node:fs';

export interface ServeOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  /** The address people open (behind a proxy: the proxy's); the sign-in's redirect URI is <publicUrl>/auth/callback. */
  publicUrl?: string;
}

export class ServeOptionError extends Error {
  override name = 'ServeOptionError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

export function parseServeOptions(o: { host?: string; port?: string; tlsCert?: string; tlsKey?: string; publicUrl?: string }): ServeOptions {
  const host = o.host ?? '127.0.0.1';
  const port = Number(o.port ?? '8400');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ServeOptionError(`--port takes a port number (0-65535), got ${o.port}`);
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new ServeOptionError('--tls-cert and --tls-key go together: give both files (PEM).');
  let tls: ServeOptions['tls'];
  if (o.tlsCert !== undefined && o.tlsKey !== undefined) {
    try {
      tls = { cert: readFileSync(o.tlsCert, 'utf8'), key: readFileSync(o.tlsKey, 'utf8') };
    } catch (cause) {
      throw new ServeOptionError(`Cannot read the TLS certificate or key (${o.tlsCert}, ${o.tlsKey}): check the paths and that this process may read them.`, { cause });
    }
  }
  if (!isLoopback(host) && !tls) {
    throw new ServeOptionError(
      `Listening on ${host} would expose the inbox to other hosts without TLS: give --tls-cert and --tls-key, or keep the default 127.0.0.1 behind your own TLS proxy (with --public-url https://…).`,
    );
  }
  if (o.publicUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(o.publicUrl);
    } catch {
      throw new ServeOptionError(`--public-url takes an absolute URL (https://inbox.example.com), got ${o.publicUrl}`);
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname)))
      throw new ServeOptionError('--public-url must be https:// (http:// only for a loopback address).');
  }
  return { host, port, ...(tls ? { tls } : {}), ...(o.publicUrl ? { publicUrl: o.publicUrl.replace(/\/+$/, '') } : {}) };
}
