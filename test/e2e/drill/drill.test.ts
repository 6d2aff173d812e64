// The short drill: the production topology (PostgreSQL, the real Temporal server, two Graph workers, one writer,
// one shared data directory) with every fault of `npm run drill`, on three small tenants. Runs the script as people
// do and reads its --json verdict.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresBinDir } from '../../../scripts/drill/postgres';
import { realTemporalServer } from '../../support/temporal-server';

const real = await realTemporalServer();
const noPostgres = (() => {
  try {
    postgresBinDir();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
})();
const skip = real.skip ?? noPostgres;
if (noPostgres) process.stderr.write(`SKIPPED: ${noPostgres}\n`);

const FAULTS = [
  /Graph worker SIGKILL mid users walk/,
  /writer SIGKILL mid-load/,
  /writer SIGKILL mid-publish/,
  /Temporal server SIGKILL \+ restart/,
  /PostgreSQL immediate stop \+ restart/,
  /reclamation approved while a Graph worker is down/,
  /Graph worker SIGKILL mid removal/,
  /3 tenants scheduled at the same minute/,
];

describe.skipIf(!!skip)(`npm run drill -- --tenants 3${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'loses nothing and doubles nothing through every fault',
    async () => {
      const root = path.join(import.meta.dirname, '..', '..', '..');
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/drill.ts', '--tenants', '3', '--users', '200', '--json', '--offline'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      expect(last.startsWith('{'), `the drill printed no verdict (exit ${code}):\n${stdout}\n${stderr}`).toBe(true);
      const verdict = JSON.parse(last) as Record<string, unknown> & { faults: Array<{ fault: string; at_s: number; recovered_s: number | null }> };
      expect(verdict, `${stdout}\n${stderr}`).toMatchObject({
        ok: true,
        tenants: 3,
        runs_expected: 3,
        runs_succeeded: 3,
        duplicate_rows: 0,
        reclamations_approved: 2,
        reclamations_executed_once: 2,
        wrongly_removed: 0,
      });
      for (const f of FAULTS) {
        const row = verdict.faults.find((x) => f.test(x.fault));
        expect(row, `fault ${f}`).toBeDefined();
        expect(row!.recovered_s, `recovery of ${row!.fault}`).not.toBeNull();
      }
      expect(code).toBe(0);
      expect(stdout).toContain('VERDICT: nothing lost, nothing doubled');
    },
    40 * 60_000,
  );
});
