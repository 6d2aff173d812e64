// Publish: analysts see a new snapshot all at once. Checkpoint the working file, copy it beside the published
// file, verify the copy, drop any stale .wal of the published name, then rename atomically over it.
import { copyFile, rm, stat, rename, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BASE_OPTIONS, withWriter } from './db';

export async function publish(workDbPath: string, publishedPath: string): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const target = path.resolve(publishedPath);
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.publish-${process.pid}-${Date.now()}`);
  try {
    // Hold the writer queue while copying, so no write lands between the checkpoint and the copy.
    await withWriter(workDbPath, async (conn) => {
      await conn.run('CHECKPOINT');
      await copyFile(path.resolve(workDbPath), temp);
    });
    const check = await DuckDBInstance.create(temp, { ...BASE_OPTIONS, access_mode: 'READ_ONLY' });
    try {
      const conn = await check.connect();
      await conn.run('SELECT count(*) FROM schema_migrations');
      conn.closeSync();
    } finally {
      check.closeSync();
    }
    if (existsSync(`${temp}.wal`)) throw new Error(`Publish aborted: the copy ${temp} left a write-ahead log; the working database was not checkpointed.`);
    // DuckDB finds a WAL by file name: a stale one would be replayed into the newly renamed file.
    await rm(`${target}.wal`, { force: true });
    await rename(temp, target);
    const { size } = await stat(target);
    return { bytes: size, ms: Math.round(performance.now() - started) };
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.wal`, { force: true });
  }
}
