// One writer per working database, across processes. DuckDB's own lock is a POSIX record lock, and Linux drops
// such a lock for the whole process as soon as that process closes ANY descriptor of the file: publish copies
// the working file, so after the first publish a second process (an `import` while the worker runs) could open
// it read-write and corrupt it. A pid file beside the database, created exclusively, keeps a second writer out
// for as long as its holder lives; a holder that died (SIGKILL) leaves a stale file that the next writer replaces.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { WarehouseLockedError } from './errors';

const held = new Set<string>();

const lockPath = (dbFile: string): string => `${dbFile}.writer.pid`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the writer lock of `dbFile` for this process, or throws WarehouseLockedError naming the live holder. */
export function acquireWriterLock(dbFile: string): void {
  const lock = lockPath(dbFile);
  if (held.has(lock)) return;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(lock);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holderOf(lock);
      if (pid === process.pid) {
        held.add(lock);
        return;
      }
      if (pid !== undefined && isAlive(pid)) {
        throw new WarehouseLockedError(
          `The working database ${dbFile} is being written by process ${pid} (a worker or an import). The warehouse has ` +
            'one writer: let that process do the load (`m365-license run`), stop it, or give `import` a private `--work-db`.',
        );
      }
      // A writer that died without cleaning up (or a half-written pid file): replace it.
      try {
        unlinkSync(lock);
      } catch {
        /* another process replaced it first; try again */
      }
    }
  }
  throw new WarehouseLockedError(`Could not take the writer lock ${lock}; retry.`);
}

/** Gives the lock back (the writer closed the database). */
export function releaseWriterLock(dbFile: string): void {
  const lock = lockPath(dbFile);
  if (!held.delete(lock)) return;
  if (holderOf(lock) === process.pid) {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}

process.once('exit', () => {
  for (const lock of held) {
    try {
      if (holderOf(lock) === process.pid) unlinkSync(lock);
    } catch {
      /* best effort at exit */
    }
  }
});
