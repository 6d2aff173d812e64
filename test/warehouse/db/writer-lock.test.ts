// One writer per working database across processes: DuckDB's own lock is dropped when publish closes the copy's
// descriptor, so a kernel lock on `<db>.writer.lock` is what keeps an `import` out of a running worker's database.
// A holder that dies leaves nothing to clean up, and processes racing for a lock whose holder died never both win.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeWarehouse, withWriter } from '../../../src/warehouse/db/handles';
import { WarehouseLockedError } from '../../../src/warehouse/errors';

const root = mkdtempSync(path.join(os.tmpdir(), 'writer-lock-'));
const contender = path.join(import.meta.dirname, '../lock-contender.ts');
afterAll(async () => closeWarehouse());

interface Contender {
  child: ChildProcessWithoutNullStreams;
  out: string;
}

/** Starts `n` contender processes for `db` and waits until each is ready to try. */
async function contenders(db: string, n: number): Promise<Contender[]> {
  const all = Array.from({ length: n }, () => {
    const c: Contender = { child: spawn(process.execPath, ['--import', 'tsx', contender, db]), out: '' };
    c.child.stdout.setEncoding('utf8').on('data', (d: string) => (c.out += d));
    return c;
  });
  await Promise.all(all.map((c) => until(() => c.out.includes('ready'))));
  return all;
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const verdict = (c: Contender) => (c.out.includes('won') ? 'won' : c.out.includes('lost') ? 'lost' : undefined);

describe('the warehouse writer lock', () => {
  it('refuses a second writer while the holder lives, and is free again the moment the holder is killed', async () => {
    const db = path.join(root, 'a', 'm365.duckdb');
    await withWriter(db, async (c) => c.run('SELECT 1'));
    expect(readFileSync(`${db}.writer.pid`, 'utf8').trim()).toBe(String(process.pid));
    await closeWarehouse(db);
    expect(existsSync(`${db}.writer.pid`)).toBe(false);

    const [holder] = await contenders(db, 1);
    holder!.child.stdin.write('go\n');
    await until(() => verdict(holder!) !== undefined);
    expect(verdict(holder!)).toBe('won');
    const err = await withWriter(db, async (c) => c.run('SELECT 1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseLockedError);
    expect((err as Error).message).toContain(`process ${holder!.child.pid}`);

    // It dies without cleaning up (SIGKILL): its pid file stays, but the kernel lock went with it.
    const exited = new Promise((r) => holder!.child.once('exit', r));
    holder!.child.kill('SIGKILL');
    await exited;
    expect(existsSync(`${db}.writer.pid`)).toBe(true);
    await withWriter(db, async (c) => c.run('SELECT 1'));
    expect(readFileSync(`${db}.writer.pid`, 'utf8').trim()).toBe(String(process.pid));
    await closeWarehouse(db);
  }, 60_000);

  it('many processes racing for a lock whose holder died: exactly one wins, every trial', async () => {
    const db = path.join(root, 'race', 'm365.duckdb');
    mkdirSync(path.dirname(db), { recursive: true });
    // Each trial starts from what a killed holder leaves: its lock file and a pid file naming a process that is gone.
    let [holder] = await contenders(db, 1);
    holder!.child.stdin.write('go\n');
    await until(() => verdict(holder!) === 'won');
    for (let trial = 0; trial < 5; trial++) {
      const gone = new Promise((r) => holder!.child.once('exit', r));
      holder!.child.kill('SIGKILL');
      await gone;
      writeFileSync(`${db}.writer.pid`, `${holder!.child.pid}\n`);

      const racers = await contenders(db, 6);
      for (const r of racers) r.child.stdin.write('go\n');
      await until(() => racers.every((r) => verdict(r) !== undefined));
      const won = racers.filter((r) => verdict(r) === 'won');
      expect(won, `trial ${trial}: ${racers.map((r) => r.out.trim().replace(/\s+/g, ' ')).join(' | ')}`).toHaveLength(1);
      expect(racers.filter((r) => r.out.includes('lost WarehouseLockedError'))).toHaveLength(5);
      for (const r of racers) if (r !== won[0]) r.child.stdin.end();
      holder = won[0];
    }
    holder!.child.stdin.end();
  }, 300_000);
});
