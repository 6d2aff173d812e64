// The second terminal as a user has it: `dev --keep-running` in one process, then every other command in
// separate processes with NO M365_* or TEMPORAL_* variable exported. They find the dev server, its queues and
// the simulated tenant through the dev environment file, which `dev` removes when it stops.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalAddress, uniqueName } from '../../support/temporal';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../../bin/m365-license.mjs');

/** The environment of a fresh terminal: nothing of this project's configuration. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('M365_') || k.startsWith('TEMPORAL_')) delete env[k];
  return env;
}

describe('a second terminal while `dev --keep-running` is up', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'm365-second-terminal-'));
  const devEnvFile = path.join(cwd, 'data', 'dev-environment.json');
  let dev: ChildProcess;
  let approverLogin = '';
  let devOut = '';

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], { env: bareEnv(), cwd, timeout: 120_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  /**
   * A command that signs its user in with the device-code flow, as a person would: read the code it prints,
   * open the simulator's sign-in page (its URL from the same message), post the code and the account.
   */
  const cliSignedIn = (login: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: bareEnv(), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let signedIn = false;
      child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
        const m = /open the page (\S+) and enter the code (\S+) /.exec(stderr);
        if (m && !signedIn) {
          signedIn = true;
          const ca = readFileSync(JSON.parse(readFileSync(devEnvFile, 'utf8')).env.M365_CA_FILE as string, 'utf8');
          const body = new URLSearchParams({ code: m[2]!, login }).toString();
          const req = httpsRequest(m[1]!, { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => res.resume());
          req.on('error', reject);
          req.end(body);
        }
      });
      const timer = setTimeout(() => child.kill(), 120_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });

  beforeAll(async () => {
    // The dev process itself uses the run's shared server (own queues, so nothing else on it picks its work up);
    // the other processes learn all of that from the file only.
    dev = spawn(process.execPath, [BIN, 'dev', '--keep-running'], {
      cwd,
      env: { ...bareEnv(), TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: uniqueName('term') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout!.on('data', (b: Buffer) => (devOut += b.toString()));
    dev.stderr!.on('data', (b: Buffer) => (devOut += b.toString()));
    const deadline = Date.now() + 240_000;
    while (!devOut.includes('Everything stays up until Ctrl-C')) {
      if (dev.exitCode !== null) throw new Error(`dev exited early:\n${devOut}`);
      if (Date.now() > deadline) throw new Error(`dev not up in time:\n${devOut}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 260_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGTERM');
      await new Promise((r) => dev.once('exit', r));
    }
  });

  it('request, inspect and approve a reclamation following the printed Next lines, without exports', async () => {
    expect(statSync(devEnvFile).mode & 0o777).toBe(0o600);
    const next = devOut.slice(devOut.indexOf('Next:'));
    const request = /npx m365-license (reclaim request --user \S+) --reason "inactive"\n.*log in as (\S+)\n/.exec(next);
    const approve = /npx m365-license reclaim approve (\S+)\n.*log in as (\S+) \(an approver/.exec(next);
    expect(request, next).not.toBeNull();
    expect(approve, next).not.toBeNull();
    const id = approve![1]!;
    approverLogin = approve![2]!;

    const r = await cliSignedIn(request![2]!, ...request![1]!.split(' '), '--reason', 'inactive');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(id);

    const waiting = await waitFor(async () => {
      const s = await cli('reclaim', 'status', id, '--json');
      return s.code === 0 && (JSON.parse(s.stdout) as { status: string }).status === 'awaiting_approval' ? s : undefined;
    });
    expect(JSON.parse(waiting.stdout).scope.length).toBeGreaterThan(0);

    // The approver's inbox, as the Next lines say.
    const inbox = /npx m365-license (reclaim list --state awaiting_approval)/.exec(next)?.[1];
    expect(inbox, next).toBeDefined();
    const listed = await waitFor(async () => {
      const l = await cli(...inbox!.split(' '));
      return l.code === 0 && l.stdout.includes(id) ? l : undefined;
    });
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+awaiting_approval\\s+(\\d+[dhm] ?)+\\s+\\d+`));

    const a = await cliSignedIn(approve![2]!, 'reclaim', 'approve', id);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`approved: ${id}`));
    const done = await waitFor(async () => {
      const s = await cli('reclaim', 'status', id, '--json');
      const status = s.code === 0 ? (JSON.parse(s.stdout) as { status: string }).status : '';
      return ['executed', 'failed', 'aborted'].includes(status) ? (JSON.parse(s.stdout) as { status: string; removed: string[] }) : undefined;
    });
    expect(done.status).toBe('executed');
    expect(done.removed.length).toBeGreaterThan(0);
  }, 240_000);

  it('settings set from a second terminal goes through the dev worker and is published at once', async () => {
    // Settings changes are signed in like approvals, by a settings admin (default: the approvers group).
    const r = await cliSignedIn(approverLogin, 'settings', 'set', '--inactivity-days', '60', '--exclude-upn', 'breakglass-*@example.com', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { writtenBy: string; effective: { inactivityDays: number; excludeUpnPatterns: string[] }; updatedBy: string };
    expect(out.writtenBy).toBe('worker');
    expect(out.effective).toMatchObject({ inactivityDays: 60, excludeUpnPatterns: ['breakglass-*@example.com'] });
    const q = await cli('query', 'SELECT inactivity_days, updated_by FROM tenant_settings', '--format', 'json');
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ inactivity_days: 60, updated_by: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) }]);
  }, 120_000);

  it('report writes the HTML file the Next lines name', async () => {
    const file = /npx m365-license report\s+then open (\S+) in a browser/.exec(devOut)?.[1];
    expect(file, devOut).toBeDefined();
    const r = await cli('report');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file!, 'utf8')).toMatch(/^<!doctype html>/i);
  }, 120_000);

  it('stopping dev removes the file; the next command says no tenant is configured', async () => {
    dev.kill('SIGINT');
    await new Promise((r) => dev.once('exit', r));
    expect(existsSync(devEnvFile)).toBe(false);
    const r = await cli('reclaim', 'request', '--user', 'someone@example.com');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No tenant configured/);
  }, 60_000);
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error('condition not met in time');
}
