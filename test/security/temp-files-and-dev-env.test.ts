// Files written into directories others may write to: export (like the report and publish) creates its temporary
// files exclusively under unguessable names, so a link planted under the old fixed name is never written through; and
// dev-environment.json counts only when it is this user's own, not writable by others, and names a live `dev`.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDevEnvironment, devEnvironmentPath, isOwnDevProcess, writeDevEnvironment } from '../../src/dev-environment';
import { closeWarehouse } from '../../src/warehouse';
import { tempDir } from '../support/staging-fixtures';
import { builtWarehouse, cli, sha256 } from '../support/security-helpers';

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await closeWarehouse();
});

/** A file standing for one only root may write, and links to it under every name a writer used to pick. */
function plantLinks(dir: string, names: string[]): string {
  const victim = path.join(tempDir('victim-'), 'shadow');
  writeFileSync(victim, 'root-owned contents\n', { mode: 0o600 });
  for (const n of names) symlinkSync(victim, path.join(dir, n));
  return victim;
}

describe('temporary files in shared directories', () => {
  it("export: a link planted under the manifest's old temporary name is not followed", async () => {
    const wh = await builtWarehouse('sec-export-');
    const shared = tempDir('shared-export-');
    chmodSync(shared, 0o1777);
    const victim = plantLinks(shared, ['manifest.json.tmp']);
    const before = sha256(victim);
    const r = await cli(['export', '--to', shared, '--db', wh.published], {});
    expect(r.code, r.stderr).toBe(0);
    expect(sha256(victim)).toBe(before);
    expect(JSON.parse(readFileSync(path.join(shared, 'manifest.json'), 'utf8')).views.length).toBeGreaterThan(0);
    // Nothing temporary is left behind; the planted link is the attacker's, untouched.
    expect(
      readdirSync(shared)
        .filter((n) => n.startsWith('.'))
        .sort(),
    ).toEqual([]);
  }, 60_000);
});

/** A live process whose command line is `node .../m365-license.mjs dev`, as `dev --keep-running` has. */
async function fakeDev(name = 'm365-license.mjs', sub = 'dev'): Promise<number> {
  const script = path.join(tempDir('fake-dev-'), name);
  writeFileSync(script, 'setTimeout(() => {}, 120000);\n');
  const child = spawn(process.execPath, [script, sub], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  return child.pid!;
}

describe("dev-environment.json is trusted only when it is this user's own and names a live dev process", () => {
  const apply = (dir: string) => {
    const env: NodeJS.ProcessEnv = { M365_DATA_DIR: dir };
    const notes: string[] = [];
    return { outcome: applyDevEnvironment(env, (l) => notes.push(l)), env, notes: notes.join('\n') };
  };

  it('a live dev of this user: applied', async () => {
    const dir = tempDir('devenv-ok-');
    writeDevEnvironment(dir, { M365_TENANT_ID: 't-ok', TEMPORAL_ADDRESS: '127.0.0.1:1' }, await fakeDev());
    expect(apply(dir)).toMatchObject({ outcome: 'applied', env: { M365_TENANT_ID: 't-ok' } });
  });

  it('pid 1, and live processes that are not `m365-license dev`: ignored', async () => {
    expect(isOwnDevProcess(1)).toBe(false);
    for (const pid of [1, process.pid, await fakeDev('m365-license.mjs', 'worker'), await fakeDev('other.mjs', 'dev')]) {
      const dir = tempDir('devenv-pid-');
      writeDevEnvironment(dir, { M365_TENANT_ID: 't-evil', TEMPORAL_ADDRESS: '203.0.113.9:7233' }, pid);
      const r = apply(dir);
      expect(r.outcome, `pid ${pid}`).toBe('stale');
      expect(r.env.TEMPORAL_ADDRESS).toBeUndefined();
      expect(r.notes).toContain(`pid ${pid} is not a running`);
    }
  });

  it("a file writable by group or others, or another user's: ignored, whatever pid it names", async () => {
    const pid = await fakeDev();
    for (const [label, spoil] of [
      ['group-writable', (f: string) => chmodSync(f, 0o620)],
      ['world-writable', (f: string) => chmodSync(f, 0o606)],
      ["another user's", (f: string) => chownSync(f, 4321, 4321)],
    ] as const) {
      const dir = tempDir('devenv-file-');
      writeDevEnvironment(dir, { M365_TENANT_ID: 't-evil', TEMPORAL_ADDRESS: '203.0.113.9:7233' }, pid);
      spoil(devEnvironmentPath(dir));
      const r = apply(dir);
      expect(r.outcome, label).toBe('untrusted');
      expect(r.env.M365_TENANT_ID).toBeUndefined();
      expect(r.notes).toMatch(/ignoring .*dev-environment\.json: it (is writable by group or others|belongs to uid 4321)/);
    }
    // A symlink to a file elsewhere is not the file itself.
    const dir = tempDir('devenv-link-');
    const real = tempDir('devenv-real-');
    writeDevEnvironment(real, { M365_TENANT_ID: 't-evil' }, pid);
    mkdirSync(dir, { recursive: true });
    symlinkSync(devEnvironmentPath(real), devEnvironmentPath(dir));
    expect(apply(dir).outcome).toBe('untrusted');
  });
});
