// Shared by the attack suite: the real CLI in a child process, a published warehouse built from the fixtures,
// and file fingerprints to prove an attack changed nothing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { closeWarehouse, loadStagingDir, publish } from '../../src/warehouse';
import { tempDir, writeStaging } from './staging-fixtures';

const exec = promisify(execFile);
export const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `m365-license <args>` with only the environment given (plus PATH/HOME), never the test's. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], {
      // The fixtures' calendar days are fixed: retention (counted from the wall clock) is off unless a test sets it.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, M365_HISTORY_DAYS: '0', ...env },
      cwd,
      timeout: 90_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const sha256 = (file: string): string => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent');

export interface Warehouse {
  dir: string;
  work: string;
  published: string;
}

/** A data directory with a loaded working database and its published copy; no writer left open. */
export async function builtWarehouse(prefix = 'sec-'): Promise<Warehouse> {
  const dir = tempDir(prefix);
  const work = path.join(dir, 'work', 'm365.duckdb');
  const published = path.join(dir, 'm365.duckdb');
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(dir, 'staging')) });
  await publish(work, published);
  await closeWarehouse();
  return { dir, work, published };
}
