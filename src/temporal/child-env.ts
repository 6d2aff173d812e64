// The environment a child process gets: what it needs to run, nothing of the pipeline's configuration.
// The parent's environment holds M365_CLIENT_SECRET (and certificate paths); a child such as the Temporal dev
// server never needs it, and a child's crash dump or /proc/<pid>/environ must not show it.

/** Variables every child may see: where programs, home and temporary files are, locale and time zone. */
const BASE = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SYSTEMROOT', 'WINDIR'];

/** Extra names for `go install` (module proxy, caches, network proxy). */
export const GO_VARS = [
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOPROXY',
  'GOFLAGS',
  'GONOSUMDB',
  'GONOSUMCHECK',
  'GOSUMDB',
  'GOPRIVATE',
  'GOTOOLCHAIN',
  'GOROOT',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

export function minimalChildEnv(extraNames: readonly string[] = [], set: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of [...BASE, ...extraNames]) if (from[name] !== undefined) env[name] = from[name];
  return { ...env, ...set };
}
