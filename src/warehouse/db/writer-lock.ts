// One writer per working database, across processes. DuckDB's own lock is a POSIX record lock, and Linux drops
// such a lock for the whole process as soon as that process closes ANY descriptor of the file: publish copies
// the working file, so after the first publish a second process (an `import` while the worker runs) could open
// it read-write and corrupt it. The writer lock is the same kind of kernel lock on a file nothing else opens
// (`<db>.writer.lock`, a tiny DuckDB file whose instance this process keeps open while it writes): taking it is
// atomic, and the kernel releases it when its holder dies, so there is no stale lock to judge and replace (two
// processes replacing the same stale pid file could both win). `<db>.writer.pid` names the holder, for people.
import { rmSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { WarehouseLockedError } from '../errors';

const held = new Map<string, DuckDBInstance>();
/** Acquisitions under way: one per lock file, since closing a second instance of it would drop this process's lock. */
const pending = new Map<string, Promise<void>>();

const lockPath = (dbFile: string): string => `${dbFile}.writer.lock`;
const pidPath = (dbFile: string): string => `${dbFile}.writer.pid`;

/** Takes the writer lock of `dbFile` for this process, or throws WarehouseLockedError naming the live holder. */
export function acquireWriterLock(dbFile: string): Promise<void> {
  const lock = lockPath(dbFile);
  if (held.has(lock)) return Promise.resolve();
  let p = pending.get(lock);
  if (!p) {
    p = take(dbFile, lock).finally(() => pending.delete(lock));
    pending.set(lock, p);
  }
  return p;
}

async function take(dbFile: string, lock: string): Promise<void> {
  let instance: DuckDBInstance;
  try {
    // Small and quiet: it holds no data, only the lock.
    instance = await DuckDBInstance.create(lock, { threads: '1', memory_limit: '16MB', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const holder = /PID (\d+)/.exec(message)?.[1];
    if (/Could not set lock|Conflicting lock/i.test(message)) {
      throw new WarehouseLockedError(
        `The working database ${dbFile} is being written by ${holder ? `process ${holder}` : 'another process'} (a worker or an import). The warehouse has ` +
          'one writer: let that process do the load (`m365-license run`), stop it, or give `import` a private `--work-db`.',
        { cause: err },
      );
    }
    throw new WarehouseLockedError(`Could not take the writer lock ${lock} (${message}): if no writer runs, remove ${lock} and retry.`, { cause: err });
  }
  held.set(lock, instance);
  try {
    writeFileSync(pidPath(dbFile), `${process.pid}\n`, { mode: 0o600 });
  } catch {
    /* informational only */
  }
}

/** Gives the lock back (the writer closed the database). */
export function releaseWriterLock(dbFile: string): void {
  const lock = lockPath(dbFile);
  const instance = held.get(lock);
  if (!instance) return;
  held.delete(lock);
  rmSync(pidPath(dbFile), { force: true });
  instance.closeSync();
}
