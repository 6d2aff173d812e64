// The local dev environment `dev --keep-running` leaves for a second terminal: the Temporal server it started,
// its task queues and the simulator's tenant and credentials, in a 0600 file in the data directory that `dev`
// removes on exit. Other commands read it only when no tenant is configured, the file is this user's own and not
// writable by anyone else, and the pid it names is a live `dev` process of this user; real environment variables
// always win over it.
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const DEV_ENVIRONMENT_FILE = 'dev-environment.json';

/** The variables a dev environment may supply: exactly what `dev` itself ran with. */
const KEYS = [
  'M365_TENANT_ID',
  'M365_CLIENT_ID',
  'M365_CLIENT_SECRET',
  'M365_AUTHORITY_HOST',
  'M365_GRAPH_URL',
  'M365_CA_FILE',
  'M365_DATA_DIR',
  'M365_DB',
  'M365_APPROVAL_CLIENT_ID',
  'M365_APPROVERS_GROUP_ID',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
] as const;
export type DevEnvironmentKey = (typeof KEYS)[number];

const fileSchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  env: z.partialRecord(z.enum(KEYS), z.string()),
});
export type DevEnvironment = z.infer<typeof fileSchema>;

export const devEnvironmentPath = (dataDir: string): string => path.join(path.resolve(dataDir), DEV_ENVIRONMENT_FILE);

/**
 * Writes the file (owner-only: it holds the simulator's client secret) and returns the function that removes it.
 * Written to a temporary name first, so a reader never sees half a file and a stale file's mode never carries over.
 */
export function writeDevEnvironment(dataDir: string, env: Partial<Record<DevEnvironmentKey, string | undefined>>, pid = process.pid): () => void {
  const file = devEnvironmentPath(dataDir);
  const tmp = `${file}.${pid}-${randomBytes(8).toString('hex')}.tmp`;
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && (KEYS as readonly string[]).includes(k)));
  const body: DevEnvironment = { pid, startedAt: new Date().toISOString(), env: clean };
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Only our own file: a later dev process may have replaced it.
    if (readDevEnvironment(dataDir)?.pid === pid) rmSync(file, { force: true });
  };
  // Belt and braces: also on process.exit() paths that skip the caller's cleanup.
  process.once('exit', remove);
  return remove;
}

export function readDevEnvironment(dataDir: string): DevEnvironment | undefined {
  let text: string;
  try {
    text = readFileSync(devEnvironmentPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type DevEnvironmentOutcome = 'configured' | 'absent' | 'stale' | 'untrusted' | 'applied';

const myUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/** Why the file cannot be trusted (another user's, or writable by others), or undefined when it is this user's own. */
export function untrustedFileProblem(file: string): string | undefined {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return 'it cannot be read';
  }
  if (!st.isFile()) return 'it is not a regular file';
  const uid = myUid();
  if (uid !== undefined && st.uid !== uid) return `it belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if (st.mode & 0o022) return `it is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/** Whether `pid` is a running `m365-license dev` of this user: its /proc entry's owner and command line say so. */
export function isOwnDevProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    const uid = myUid();
    if (uid !== undefined && statSync(`/proc/${pid}`).uid !== uid) return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // node [flags] <.../m365-license(.mjs)> dev ...: the subcommand right after the launcher.
    return argv.some((a, i) => /(^|\/)m365-license(\.mjs)?$/.test(a) && argv[i + 1] === 'dev');
  } catch {
    return false; // no such process, or no /proc to tell: not trusted
  }
}

/**
 * Fills `env` from a live dev environment when no tenant is configured (no M365_TENANT_ID, no M365_TENANTS_FILE).
 * Variables already set are kept. A file whose dev process is gone is ignored, with a note through `note`.
 */
export function applyDevEnvironment(env: NodeJS.ProcessEnv = process.env, note: (line: string) => void = () => {}): DevEnvironmentOutcome {
  if (env.M365_TENANT_ID?.trim() || env.M365_TENANTS_FILE?.trim()) return 'configured';
  const dataDir = env.M365_DATA_DIR?.trim() || 'data';
  const file = devEnvironmentPath(dataDir);
  const dev = readDevEnvironment(dataDir);
  if (!dev) return 'absent';
  // It names the Temporal server and Graph endpoint every command then talks to: only this user's own file counts.
  const problem = untrustedFileProblem(file);
  if (problem) {
    note(`note: ignoring ${file}: ${problem}. Remove it, or configure a tenant (M365_TENANT_ID or M365_TENANTS_FILE).`);
    return 'untrusted';
  }
  if (!isOwnDevProcess(dev.pid)) {
    note(`note: ignoring ${file}: pid ${dev.pid} is not a running \`m365-license dev\` of this user; start \`m365-license dev --keep-running\` again or configure a tenant.`);
    return 'stale';
  }
  for (const [k, v] of Object.entries(dev.env)) if (v !== undefined && !env[k]?.trim()) env[k] = v;
  return 'applied';
}
