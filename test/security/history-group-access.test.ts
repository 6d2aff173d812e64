// Analysts in M365_PUBLISHED_GROUP read the published file, and through its views the Parquet history: the history
// gets the published file's group and read access (never write), its directories list and search. Checked as a
// member of that group and as an outsider, each the real CLI in a process with its own uid and gid.
import { execFile } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir, writeStaging } from '../support/staging-fixtures';
import { BIN, cli } from '../support/security-helpers';

const exec = promisify(execFile);
const ANALYSTS = 54_320;
const MEMBER = { uid: 54_321, gid: ANALYSTS };
const OUTSIDER = { uid: 54_322, gid: 54_323 };
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function as(who: { uid: number; gid: number }, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { ...who, env: { PATH: process.env.PATH, HOME: '/tmp', TMPDIR: '/tmp', ...env }, cwd: '/tmp', timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every path under `dir`, depth first. */
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => [path.join(dir, e.name), ...(e.isDirectory() ? walk(path.join(dir, e.name)) : [])]);

describe.skipIf(!isRoot)("the Parquet history and the published file's group", () => {
  it('a member of M365_PUBLISHED_GROUP can run history views and the report; an outsider cannot; nobody but the pipeline may write', async () => {
    const root = tempDir('sec-hist-group-');
    chmodSync(root, 0o711); // other users must reach the data directory inside
    const data = path.join(root, 'data');
    const env = { M365_DATA_DIR: data, M365_PUBLISHED_GROUP: String(ANALYSTS), M365_HISTORY_DAYS: '0' };
    const r = await cli(['import', '--from', writeStaging(path.join(root, 'staging'))], env);
    expect(r.code, r.stderr).toBe(0);

    const history = path.join(data, 'history');
    for (const p of walk(history).filter((x) => !x.includes(`${path.sep}.incoming`))) {
      const st = statSync(p);
      expect(st.mode & 0o022, p).toBe(0); // never writable by group or others
      if (p.endsWith('.parquet')) expect({ gid: st.gid, mode: st.mode & 0o777 }, p).toEqual({ gid: ANALYSTS, mode: 0o640 });
      if (st.isDirectory()) expect({ gid: st.gid, mode: st.mode & 0o777 }, p).toEqual({ gid: ANALYSTS, mode: 0o750 });
    }
    // The working database stays the pipeline's alone.
    expect(statSync(path.join(data, 'work')).mode & 0o077).toBe(0);

    const query = ['query', 'SELECT count(*) AS n FROM users_history', '--format', 'json'];
    const member = await as(MEMBER, query, { M365_DATA_DIR: data });
    expect(member.code, member.stderr).toBe(0);
    expect(JSON.parse(member.stdout)[0].n).toBeGreaterThan(0);
    const out = tempDir('sec-hist-report-');
    chmodSync(out, 0o777);
    const report = await as(MEMBER, ['report', '--out', path.join(out, 'r.html')], { M365_DATA_DIR: data });
    expect(report.code, report.stderr).toBe(0);

    const outsider = await as(OUTSIDER, query, { M365_DATA_DIR: data });
    expect(outsider.code).not.toBe(0);
    expect(outsider.stderr).toMatch(/permission denied|Permission denied|cannot|Could not/i);
  }, 180_000);
});
