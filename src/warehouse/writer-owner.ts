// Which process owns the working database. DuckDB's own file lock is a POSIX record lock, which the kernel drops
// as soon as the same process closes ANY descriptor of that file (publish's copy does), so a second writer could
// open the file and both would lose rows. An owner file beside the database (pid, 0600) closes that hole: a
// writer claims it on open, releases it on close or exit, and a live owner keeps every other process out.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { WarehouseLockedError } from './errors';

const ownerPath = (file: string): string => `${file}.owner`;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process other than this one that owns `file`, if any. */
export function writerOwner(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number((JSON.parse(readFileSync(ownerPath(file), 'utf8')) as { pid?: unknown }).pid);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

const owned = new Set<string>();
let exitHook = false;

/** Claims `file` for this process, or throws WarehouseLockedError naming the live owner. A dead owner's claim is taken over. */
export function claimWriter(file: string): void {
  if (owned.has(file)) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(ownerPath(file), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx', mode: 0o600 });
      owned.add(file);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', releaseAllSync);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = writerOwner(file);
      if (holder) {
        throw new WarehouseLockedError(
          `The working database ${file} is in use by process ${holder} (a worker serving the warehouse queue, or an import). Only one writer may open it: stop that process, or let it make the change (settings set does so by itself).`,
        );
      }
      rmSync(ownerPath(file), { force: true });
    }
  }
  throw new WarehouseLockedError(`Another process claimed the working database ${file} at the same moment: retry.`);
}

export function releaseWriter(file: string): void {
  if (!owned.delete(file)) return;
  rmSync(ownerPath(file), { force: true });
}

function releaseAllSync(): void {
  for (const f of [...owned]) releaseWriter(f);
}
