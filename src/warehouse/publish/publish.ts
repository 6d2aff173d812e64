// Publish: analysts see a new snapshot all at once. Recompute the marts of tenants marked due (models/build.ts), checkpoint
// the working file, copy it beside the published file, verify the copy, drop any stale .wal of the published name,
// then rename atomically over it.
// Durable: the copy and the directory are fsynced before and after the rename, so a power cut leaves either the
// old or the new snapshot under the published name; temporary copies a crashed publish left are swept first.
import { copyFile, open, readdir, rm, stat, rename, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../../shared/process-alive';
import { withWriter } from '../db/handles';
import { createInstance } from '../db/instance';
import { historyRootFor } from '../history/layout';
import { refreshDueMarts } from '../models/build';
import { applyPublishedAccess, makeDirectoryTraversable, publishedAccess, shareHistoryWithReaders, type PublishedAccess } from './file-modes';

export async function publish(
  workDbPath: string,
  publishedPath: string,
  access: PublishedAccess = publishedAccess(),
  /** Called once the writer queue is held: every write committed before this moment is in the copy. */
  onSnapshot?: () => void,
): Promise<{
  bytes: number;
  ms: number;
  /** Of ms, recomputing the due marts, and that per mart. */
  martsMs: number;
  martMs: Record<string, number>;
  martsTenants: number;
}> {
  const started = performance.now();
  const target = path.resolve(publishedPath);
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true });
  await makeDirectoryTraversable(dir, access);
  // The history views read the Parquet files directly: their readers are the published file's readers.
  const history = historyRootFor(workDbPath);
  await makeDirectoryTraversable(path.dirname(history), access);
  await shareHistoryWithReaders(history, access);
  await sweepStalePublishCopies(target);
  const temp = path.join(dir, `${tempPrefix(target)}${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}`);
  try {
    // Hold the writer queue while copying, so no write lands between the refresh, the checkpoint and the copy.
    const marts = await withWriter(workDbPath, async (conn) => {
      onSnapshot?.();
      const t = performance.now();
      const martMs: Record<string, number> = {};
      const tenants = await refreshDueMarts(conn, historyRootFor(workDbPath), undefined, martMs);
      const ms = Math.round(performance.now() - t);
      await conn.run('CHECKPOINT');
      // Loads commit to the WAL (db/handles.ts: no checkpoint in a load's commit): the copy must not leave any behind.
      const wal = `${path.resolve(workDbPath)}.wal`;
      if (existsSync(wal) && statSync(wal).size > 0) {
        throw new Error(`Publish aborted: ${wal} still holds committed changes after CHECKPOINT; the copy would miss them. Retry the publish.`);
      }
      // Exclusive: a file or link planted under the temporary name makes the copy fail instead of writing through it.
      await copyFile(path.resolve(workDbPath), temp, constants.COPYFILE_EXCL);
      return { ms, tenants, martMs };
    });
    const check = await createInstance(temp, { access_mode: 'READ_ONLY' });
    try {
      const conn = await check.connect();
      await conn.run('SELECT count(*) FROM schema_migrations');
      conn.closeSync();
    } finally {
      check.closeSync();
    }
    if (existsSync(`${temp}.wal`)) throw new Error(`Publish aborted: the copy ${temp} left a write-ahead log; the working database was not checkpointed.`);
    await applyPublishedAccess(temp, access);
    await fsyncPath(temp);
    // DuckDB finds a WAL by file name: a stale one would be replayed into the newly renamed file.
    await rm(`${target}.wal`, { force: true });
    await fsyncPath(dir);
    await rename(temp, target);
    await fsyncPath(dir);
    const { size } = await stat(target);
    return { bytes: size, ms: Math.round(performance.now() - started), martsMs: marts.ms, martMs: marts.martMs, martsTenants: marts.tenants };
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.wal`, { force: true });
  }
}

const tempPrefix = (target: string): string => `.${path.basename(target)}.publish-`;

/** Flushes a file's (or a directory's entries') data to disk. */
async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary copies (and their WALs) left by a publish whose process is gone; a live one keeps its copy. */
export async function sweepStalePublishCopies(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (pid && pid !== process.pid && processAlive(pid)) continue;
    if (pid === process.pid) continue; // this process's own copy is in use, or removed by its own finally
    await rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
