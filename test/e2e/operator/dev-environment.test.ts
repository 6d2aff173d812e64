// The dev environment file: owner-only, applied only when no tenant is configured and its dev process lives,
// never over variables already set, and removed by the process that wrote it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDevEnvironment, devEnvironmentPath, readDevEnvironment, writeDevEnvironment } from '../../../src/dev-environment';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'm365-devenv-'));

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** A live process whose command line is `node .../m365-license.mjs dev`, as `dev --keep-running` has. */
async function fakeDevProcess(): Promise<number> {
  const script = path.join(tmp(), 'm365-license.mjs');
  writeFileSync(script, 'setTimeout(() => {}, 120000);\n');
  const child = spawn(process.execPath, [script, 'dev', '--keep-running'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  return child.pid!;
}

describe('dev environment file', () => {
  it('is written 0600, fills only unset variables, and is removed by its writer', async () => {
    const dir = tmp();
    const remove = writeDevEnvironment(
      dir,
      { M365_TENANT_ID: 't-1', M365_CLIENT_SECRET: 's3cret', TEMPORAL_ADDRESS: '127.0.0.1:7999', M365_DATA_DIR: dir },
      await fakeDevProcess(),
    );
    expect(statSync(devEnvironmentPath(dir)).mode & 0o777).toBe(0o600);
    const env: NodeJS.ProcessEnv = { M365_DATA_DIR: dir, TEMPORAL_ADDRESS: '10.0.0.1:7233' };
    expect(applyDevEnvironment(env)).toBe('applied');
    expect(env.M365_TENANT_ID).toBe('t-1');
    expect(env.M365_CLIENT_SECRET).toBe('s3cret');
    expect(env.TEMPORAL_ADDRESS).toBe('10.0.0.1:7233');
    remove();
    expect(existsSync(devEnvironmentPath(dir))).toBe(false);
    expect(applyDevEnvironment({ M365_DATA_DIR: dir })).toBe('absent');
  });

  it('is ignored when a tenant is configured', () => {
    const dir = tmp();
    const remove = writeDevEnvironment(dir, { M365_TENANT_ID: 't-1' });
    const env: NodeJS.ProcessEnv = { M365_DATA_DIR: dir, M365_TENANTS_FILE: '/etc/tenants.json' };
    expect(applyDevEnvironment(env)).toBe('configured');
    expect(env.M365_TENANT_ID).toBeUndefined();
    remove();
  });

  it('is ignored, with a note, when the dev process that wrote it is gone', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    writeDevEnvironment(dir, { M365_TENANT_ID: 't-gone' }, pid);
    const notes: string[] = [];
    const env: NodeJS.ProcessEnv = { M365_DATA_DIR: dir };
    expect(applyDevEnvironment(env, (l) => notes.push(l))).toBe('stale');
    expect(env.M365_TENANT_ID).toBeUndefined();
    expect(notes.join('\n')).toContain(`pid ${pid}`);
    expect(readDevEnvironment(dir)?.env.M365_TENANT_ID).toBe('t-gone');
  });
});
