// Usage errors exit 2 (an unknown command or option, a missing argument), with the message and the help on stderr;
// asking for help exits 0. Scripts and schedulers tell "called wrongly" from "the job failed" (1) by this code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, M365_DATA_DIR: path.join(import.meta.dirname, 'no-such-data-dir') } });

describe('usage errors', () => {
  it('an unknown command exits 2 and says which, with the help on stderr and nothing on stdout', () => {
    const r = cli('no-such-command');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'no-such-command'");
    expect(r.stderr).toContain('Usage: m365-license');
    expect(r.stdout).toBe('');
  }, 60_000);

  it('an unknown subcommand, an unknown option and a missing argument exit 2 as well', () => {
    expect(cli('reclaim', 'no-such-step').status).toBe(2);
    expect(cli('report', '--no-such-option').status).toBe(2);
    const missing = cli('prices', 'import');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'file'");
  }, 60_000);

  it('a schedule jitter that is not whole minutes within a day exits 2, naming the option', () => {
    for (const bad of ['abc', '1441', '-5']) {
      const r = cli('schedule', 'create', '--jitter', bad);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--jitter must be whole minutes from 0 to 1440');
    }
  }, 60_000);

  it('help asked for exits 0, on stdout', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: m365-license');
    expect(cli('help', 'reclaim').status).toBe(0);
  }, 60_000);
});
