// A throwaway PostgreSQL cluster for the drill: initdb in a temporary directory, one server on a free port of
// 127.0.0.1, password authentication like the compose file's. As root it runs as the `postgres` (or `nobody`)
// user, because PostgreSQL refuses to run as root.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/temporal/dev-server';
import { minimalChildEnv } from '../../src/temporal/child-env';

/** Debian's postgresql-NN packages, newest first; PG_BINDIR overrides. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BINDIR) return env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPgConfig.status === 0 && existsSync(path.join(fromPgConfig.stdout.trim(), 'initdb'))) return fromPgConfig.stdout.trim();
  throw new Error('No PostgreSQL server binaries found: install postgresql-15 (Debian/Ubuntu) or set PG_BINDIR to the directory holding initdb and postgres.');
}

/** Who the cluster runs as: root cannot, so an unprivileged account takes over. */
function runAs(): { uid: number; gid: number; prefix: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (id.status === 0) {
      const uid = Number(id.stdout.trim());
      const g = Number(gid.stdout.trim());
      return { uid, gid: g, prefix: ['setpriv', `--reuid=${uid}`, `--regid=${g}`, '--clear-groups', '--'] };
    }
  }
  throw new Error('Running as root and no unprivileged user (postgres, nobody) exists to run PostgreSQL.');
}

export interface Postgres {
  port: number;
  user: string;
  password: string;
  dataDir: string;
  pid(): number;
  /** Immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start), then start again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(root: string, log: (line: string) => void): Promise<Postgres> {
  const bin = postgresBinDir();
  const as = runAs();
  const dir = path.join(root, 'postgres');
  const dataDir = path.join(dir, 'data');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = `drill-${Math.random().toString(36).slice(2)}`;
  const pwFile = path.join(dir, 'pw');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwFile, as.uid, as.gid);
    // Every parent must be traversable by that user.
    spawnSync('chmod', ['o+x', root]);
  }
  const cmd = (file: string, args: string[]) => (as ? [...as.prefix, path.join(bin, file), ...args] : [path.join(bin, file), ...args]);
  const env = minimalChildEnv([], { LC_ALL: 'C', HOME: dir });
  const [initCmd, ...initArgs] = cmd('initdb', ['-D', dataDir, '-U', 'temporal', `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCmd!, initArgs, { encoding: 'utf8', env });
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr || init.stdout}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    const [c, ...args] = cmd('postgres', ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off']);
    child = spawn(c!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-8_000)));
    child.stderr?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-8_000)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ready = spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { encoding: 'utf8' });
      if (ready.status === 0) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`PostgreSQL did not start on port ${port}:\n${output}`);
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  log(`PostgreSQL ${path.basename(path.dirname(bin))} on 127.0.0.1:${port}${as ? ` (as uid ${as.uid})` : ''}`);
  return {
    port,
    user: 'temporal',
    password,
    dataDir,
    pid: () => child?.pid ?? -1,
    async restart(downMs) {
      await stopWith('SIGQUIT');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: () => stopWith('SIGINT'),
  };
}
