// Finds a Temporal CLI binary without the internet: $TEMPORAL_CLI, PATH, a per-user cache shared by
// every clone, a `go install` build into that cache, and only then the SDK's own download.
import { spawn, spawnSync } from 'node:child_process';
import { GO_VARS, minimalChildEnv } from './child-env';
import { accessSync, constants, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'm365-license-pipeline', `temporal-${TEMPORAL_CLI_VERSION}`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export class TemporalCliUnavailableError extends Error {
  override name = 'TemporalCliUnavailableError';
}

/**
 * Progress of the one-time Go build: on a terminal one line rewritten in place (\r) every second and on each step;
 * otherwise (CI logs, pipes) a plain line every 10 s. Hundreds of "... N steps" lines told a new user nothing.
 */
export class BuildProgress {
  private steps = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = false;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly everyMs = out.isTTY ? 1_000 : 10_000,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.render(), this.everyMs);
    this.timer.unref?.();
    return this;
  }

  /** go printed `lines` more lines (one per downloaded module or compiled package). */
  step(lines: number): void {
    this.steps += lines;
    // On a terminal the counter moves with the build (at most 10 redraws a second); elsewhere only the timer prints.
    if (this.out.isTTY && Date.now() - this.lastDraw >= 100) this.render();
  }

  private text(): string {
    return `  ... ${this.steps} steps, ${Math.round((Date.now() - this.started) / 1000)} s`;
  }

  private render(): void {
    this.lastDraw = Date.now();
    if (this.out.isTTY) {
      this.out.write(`\r${this.text()}\x1b[K`);
      this.drawn = true;
    } else {
      this.log(this.text());
    }
  }

  /** Stops the timer and ends the in-place line so the next message starts on its own line. */
  done(): void {
    clearInterval(this.timer);
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/**
 * Runs one `go` command of a one-time build, its progress shown on stderr (go prints one line per downloaded module or
 * compiled package: a compact counter) and the last of its output in the error when it fails. `nice`: such a build
 * takes minutes of every core, and others keep working meanwhile.
 */
export function goRun(goBin: string, args: string[], opts: { env: NodeJS.ProcessEnv; log: (line: string) => void; cwd?: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('nice', ['-n', '15', goBin, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'inherit', 'pipe'] });
    const progress = new BuildProgress(process.stderr, opts.log).start();
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4_000);
      progress.step(chunk.toString().split('\n').filter(Boolean).length);
    });
    child.on('error', (err) => {
      progress.done();
      reject(err);
    });
    child.on('exit', (code) => {
      progress.done();
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} exited with code ${code}:\n${tail}`));
    });
  });
}

/** Builds the CLI from the Go module proxy into the shared cache, showing go's progress on stderr. */
async function goInstall(goBin: string, targetDir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(targetDir, { recursive: true });
  log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go into ${targetDir} (first time only, a few minutes)...`);
  const started = Date.now();
  await goRun(goBin, ['install', '-v', `${TEMPORAL_CLI_PACKAGE}@v${TEMPORAL_CLI_VERSION}`], {
    env: minimalChildEnv(GO_VARS, { GOBIN: targetDir, CGO_ENABLED: '0' }),
    log,
  });
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Returns the path of a Temporal CLI binary, building or downloading it the first time. */
export async function ensureTemporalCli(opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new TemporalCliUnavailableError(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file.`);
    return env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cacheDir = temporalCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (isExecutable(cached)) return cached;
  const goBin = onPath('go', env);
  if (goBin) {
    await goInstall(goBin, cacheDir, log);
    if (isExecutable(cached)) return cached;
  }
  // Last resort for machines with internet and no Go: the SDK downloads a dev-server binary.
  log('No Go toolchain found: asking the Temporal SDK to download the CLI (needs internet)...');
  const { ephemeralServer } = await import('./sdk-download');
  try {
    return await ephemeralServer(cacheDir);
  } catch (err) {
    throw new TemporalCliUnavailableError('Could not find or build the Temporal CLI. Install Go (https://go.dev/dl) or the Temporal CLI, or set TEMPORAL_CLI to its path.', {
      cause: err,
    });
  }
}

/** The Temporal CLI's own settings (address, namespace, TLS file paths), passed through; nothing else of ours. */
const TEMPORAL_CLI_VARS = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'];

/** Runs `temporal <args>` and returns stdout; used by tests and the CLI for plain Temporal commands. */
export function runTemporalCli(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: minimalChildEnv(TEMPORAL_CLI_VARS) });
  if (r.status !== 0) throw new Error(`temporal ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}
