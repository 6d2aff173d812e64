// One writer per working database across processes: DuckDB's own lock is dropped when publish closes the copy's
// descriptor, so the pid file beside the database is what keeps an `import` out of a running worker's database.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeWarehouse, withWriter } from '../../src/warehouse/db';
import { WarehouseLockedError } from '../../src/warehouse/errors';

const root = mkdtempSync(path.join(os.tmpdir(), 'writer-lock-'));
afterAll(async () => closeWarehouse());

describe('the warehouse writer lock', () => {
  it('refuses a second writer while the holder lives, and replaces the lock of one that died', async () => {
    const db = path.join(root, 'a', 'm365.duckdb');
    await withWriter(db, async (c) => c.run('SELECT 1'));
    await closeWarehouse(db);
    expect(existsSync(`${db}.writer.pid`)).toBe(false);

    // Another live process holds the lock.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(`${db}.writer.pid`, `${holder.pid}\n`);
    const err = await withWriter(db, async (c) => c.run('SELECT 1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseLockedError);
    expect((err as Error).message).toContain(`process ${holder.pid}`);

    // It dies without cleaning up (SIGKILL): the next writer takes over.
    const exited = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await exited;
    await withWriter(db, async (c) => c.run('SELECT 1'));
    expect(existsSync(`${db}.writer.pid`)).toBe(true);
    await closeWarehouse(db);
    expect(existsSync(`${db}.writer.pid`)).toBe(false);
  });
});
