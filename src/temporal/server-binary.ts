// Finds or builds the real Temporal server (not the dev server) and its SQL schema tool: the Go program in
// deploy/temporal-server (Temporal's server with our certificate-role authorizer), built once per machine into the
// same per-user cache as the CLI. Its PostgreSQL schema files are copied beside the binaries, so a drill or an
// operator can create the schema without the Go module cache.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { GO_VARS, minimalChildEnv } from './child-env';
import { goRun, temporalCacheDir } from './cli-binary';

export const TEMPORAL_SERVER_VERSION = '1.32.1';
export const SERVER_SOURCE_DIR = path.join(import.meta.dirname, '..', '..', 'deploy', 'temporal-server');

/** What is built from SERVER_SOURCE_DIR, with which flags (deploy/temporal-server/Dockerfile builds the same). */
export const SERVER_BUILDS = [
  { output: 'temporal-server', pkg: '.' },
  { output: 'temporal-sql-tool', pkg: './sql-tool' },
] as const;
export const GO_BUILD_FLAGS = ['-buildvcs=false'] as const;
/** Temporal's PostgreSQL schema files inside the go.temporal.io/server module. */
export const SCHEMA_SOURCE = 'schema/postgresql';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12/{temporal,visibility}/versioned, as shipped with the server. */
  postgresSchemaDir: string;
}

export class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
}

/** A digest of our Go sources: a changed authorizer builds into a new directory instead of reusing a stale binary. */
function sourceDigest(dir = SERVER_SOURCE_DIR): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(go|mod|sum)$/.test(entry.name) && !entry.name.endsWith('_test.go')) hash.update(`${path.relative(dir, file)}\0`).update(readFileSync(file));
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

export function temporalServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(temporalCacheDir(env)), `temporal-server-${TEMPORAL_SERVER_VERSION}-${sourceDigest()}`);
}

function binariesIn(dir: string): TemporalServerBinaries {
  return {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

function ready(b: TemporalServerBinaries): boolean {
  try {
    accessSync(b.server, constants.X_OK);
    accessSync(b.sqlTool, constants.X_OK);
    return existsSync(path.join(b.postgresSchemaDir, 'temporal', 'versioned'));
  } catch {
    return false;
  }
}

/** The cached binaries if they were built already (no build, no network). */
export function cachedTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const b = binariesIn(temporalServerDir(env));
  return ready(b) ? b : undefined;
}

export interface EnsureServerOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** No module downloads: only what the Go module cache already holds (GOPROXY=off). */
  offline?: boolean;
}

/** Returns the server, the schema tool and the schema files, building them the first time (several minutes). */
export async function ensureTemporalServer(opts: EnsureServerOptions = {}): Promise<TemporalServerBinaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = temporalServerDir(env);
  const done = binariesIn(dir);
  if (ready(done)) return done;
  const goBin = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).stdout.trim();
  if (!goBin) throw new TemporalServerUnavailableError('Building the Temporal server needs Go (https://go.dev/dl): none found on PATH.');
  const goEnv = minimalChildEnv(
    GO_VARS,
    {
      CGO_ENABLED: '0',
      // go.mod and go.sum pin every module: offline means only that nothing is downloaded.
      ...(opts.offline ? { GOPROXY: 'off' } : {}),
    },
    env,
  );
  // Build into a scratch directory and rename it into place: an interrupted build never looks finished.
  const scratch = `${dir}.building-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  log(`Building the Temporal server v${TEMPORAL_SERVER_VERSION} with Go into ${dir} (first time only, 5-15 minutes)...`);
  const started = Date.now();
  try {
    for (const b of SERVER_BUILDS)
      await goRun(goBin, ['build', '-v', '-p', '2', ...GO_BUILD_FLAGS, '-o', path.join(scratch, b.output), b.pkg], { env: goEnv, log, cwd: SERVER_SOURCE_DIR });
    const moduleDir = spawnSync(goBin, ['list', '-m', '-f', '{{.Dir}}', 'go.temporal.io/server'], { cwd: SERVER_SOURCE_DIR, env: goEnv, encoding: 'utf8' }).stdout.trim();
    if (!moduleDir || !existsSync(path.join(moduleDir, SCHEMA_SOURCE)))
      throw new Error(`the Temporal server module's schema files were not found (${moduleDir || 'go list gave nothing'})`);
    cpSync(path.join(moduleDir, SCHEMA_SOURCE), path.join(scratch, SCHEMA_SOURCE), { recursive: true });
    // The module cache is read-only; the copy must not be, or the next rebuild could not replace it.
    spawnSync('chmod', ['-R', 'u+w', scratch]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw new TemporalServerUnavailableError(
      `Could not build the Temporal server${opts.offline ? ' offline (its Go modules are not in the module cache)' : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s.`);
  return done;
}
