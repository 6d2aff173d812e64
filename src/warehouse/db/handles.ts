// DuckDB handles: exactly one instance per file per process (a second instance on the same file loses
// committed rows silently), writes serialized per file, read-only opens for analysts' side.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { mapOpenError, mapWriteError } from '../errors';
import { historyRootFor } from '../history/layout';
import { BASE_OPTIONS, createInstance, memoryLimit } from './instance';
import { migrate } from '../schema/migrations';
import { sqlString } from './sql';
import { acquireWriterLock, releaseWriterLock } from './writer-lock';
export { sqlString };

/**
 * The writer shares a worker process with Graph activities unless it runs apart (--warehouse-only): its instance is
 * capped like every other (instance.ts), so the worker's RSS stays roughly flat with tenant size.
 */
const writerLimits = (): Record<string, string> => ({
  // Loads never depend on row order, and keeping it costs memory in every bulk insert.
  preserve_insertion_order: 'false',
  // No checkpoint inside a load's commit: a day replaces a tenant's current sign-ins and activity (a million rows
  // deleted at 1M users), whose WAL passed the default 16MB and made each commit a checkpoint. The WAL is durable at
  // commit (replayed on the next open after a crash); publish checkpoints once for all tenants loaded before it.
  checkpoint_threshold: '1GB',
});

interface WriterHandle {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** Tail of the queue of operations on this file. */
  queue: Promise<unknown>;
}

const writers = new Map<string, Promise<WriterHandle>>();

async function openWriter(file: string): Promise<WriterHandle> {
  // Private to the pipeline: 0700 directory (the umask set at start-up gives the file and its WAL 0600).
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await acquireWriterLock(file);
  let instance: DuckDBInstance;
  try {
    instance = await createInstance(file, writerLimits());
  } catch (err) {
    releaseWriterLock(file);
    throw mapOpenError(err, file, 'read-write');
  }
  const connection = await instance.connect();
  try {
    await migrate(connection, historyRootFor(file));
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    releaseWriterLock(file);
    throw mapWriteError(err, memoryLimit());
  }
  return { instance, connection, queue: Promise.resolve() };
}

function writerFor(file: string): Promise<WriterHandle> {
  const key = path.resolve(file);
  let handle = writers.get(key);
  if (!handle) {
    handle = openWriter(key);
    writers.set(key, handle);
    // A failed open (locked file) must not poison the cache: the next call retries.
    handle.catch(() => writers.delete(key));
  }
  return handle;
}

/**
 * Runs `fn` with the process's single read-write connection to `file`, one operation at a time.
 * The database is migrated on first open.
 */
export async function withWriter<T>(file: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const handle = await writerFor(file);
  const run = handle.queue
    .then(() => fn(handle.connection))
    .catch((err: unknown) => {
      throw mapWriteError(err, memoryLimit());
    });
  handle.queue = run.catch(() => undefined);
  return run;
}

/** Closes the cached writer of `file` (or all of them): tests, and CLI commands before they exit. */
export async function closeWarehouse(file?: string): Promise<void> {
  const keys = file ? [path.resolve(file)] : [...writers.keys()];
  for (const key of keys) {
    const pending = writers.get(key);
    if (!pending) continue;
    writers.delete(key);
    const handle = await pending.catch(() => undefined);
    if (!handle) continue;
    await handle.queue;
    handle.connection.closeSync();
    handle.instance.closeSync();
    releaseWriterLock(key);
  }
}

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export async function queryJson(conn: DuckDBConnection, sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<QueryResult> {
  const reader = await conn.runAndReadAll(sql, params);
  return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
}

/** Read-only session on the published file. Each call opens a fresh instance, so it sees the file as published now. */
export interface ReadOnlyWarehouse {
  readonly path: string;
  readonly connection: DuckDBConnection;
  query(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<QueryResult>;
  close(): void;
}

/**
 * Readers touch nothing but the published file and its history: no file functions, ATTACH, COPY or INSTALL
 * (external access off, except the history directory its views read), and no SET that turns it back on
 * (configuration locked), whatever SQL they run: the SQL check alone could miss an escape.
 */
async function lockReadOnlySession(connection: DuckDBConnection): Promise<void> {
  const hasPaths = (await connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'warehouse_paths'`)).getRowsJson()[0]?.[0];
  const history =
    Number(hasPaths) > 0 ? ((await connection.runAndReadAll(`SELECT path FROM warehouse_paths WHERE name = 'history'`)).getRowsJson()[0]?.[0] as string | undefined) : undefined;
  if (history) await connection.run(`SET allowed_directories = [${sqlString(history + path.sep)}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

export interface ReadOnlyOptions {
  /**
   * Under the writer's memory cap (instance.ts): set by everything that reads in the warehouse worker (the report
   * after publish), whose process must stay within it. Analysts' own sessions keep DuckDB's default.
   */
  capped?: boolean;
}

export async function openReadOnly(publishedPath: string, opts: ReadOnlyOptions = {}): Promise<ReadOnlyWarehouse> {
  const file = path.resolve(publishedPath);
  let instance: DuckDBInstance;
  try {
    instance = opts.capped ? await createInstance(file, { access_mode: 'READ_ONLY' }) : await DuckDBInstance.create(file, { ...BASE_OPTIONS, access_mode: 'READ_ONLY' });
  } catch (err) {
    throw mapOpenError(err, file, 'read-only');
  }
  const connection = await instance.connect();
  try {
    await lockReadOnlySession(connection);
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    throw err;
  }
  let closed = false;
  return {
    path: file,
    connection,
    query: (sql, params) => queryJson(connection, sql, params),
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
