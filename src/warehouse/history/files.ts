// Partition files are written durably: COPY to a scratch name outside every glob, fsync, rename into the
// partition directory (atomic), fsync the directory. Readers only ever see whole files.
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/sql';
import { partFileName, partitionDir, scratchDir, type HistoryTableName } from './layout';

export interface WrittenPartition {
  table: HistoryTableName;
  tenantId: string;
  snapshotDate: string;
  generation: string;
  rows: number;
  bytes: number;
  /** Whether the file holds the table's whole roster (a base for later changes), not only the day's changes. */
  base: boolean;
}

export interface PartitionTarget {
  table: HistoryTableName;
  tenantId: string;
  snapshotDate: string;
  generation: string;
  base: boolean;
}

/** A file in the scratch directory, in its final format, not yet in the history. */
export interface StagedFile {
  file: string;
  rows: number;
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** ZSTD at DuckDB's default level. */
export const PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd`;

/**
 * Scratch files are named by tenant, so the collection of one tenant never touches another's running load, and are
 * never reused: DuckDB caches a Parquet file's metadata by path and modification time, so a file rewritten under the
 * same name within the same second could be read with the previous file's offsets.
 */
export const scratchFile = (root: string, tenantId: string, name: string): string =>
  path.join(scratchDir(root), `${name}-${tenantId}-${process.pid}-${randomBytes(6).toString('hex')}.parquet`);

/** COPYs `selectSql` into a scratch Parquet file. */
export async function stageFile(conn: DuckDBConnection, root: string, tenantId: string, name: string, selectSql: string): Promise<StagedFile> {
  mkdirSync(scratchDir(root), { recursive: true });
  const file = scratchFile(root, tenantId, name);
  const r = await conn.run(`COPY (${selectSql}) TO ${sqlString(file)} (${PARQUET_OPTIONS})`);
  return { file, rows: Number(r.rowsChanged) };
}

/** Moves a staged file into its partition (fsync, rename, fsync the directory). */
export async function placePartition(root: string, p: PartitionTarget, staged: StagedFile): Promise<WrittenPartition> {
  await fsyncPath(staged.file);
  const dir = partitionDir(root, p.table, p.tenantId, p.snapshotDate);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, partFileName(p.generation));
  await rename(staged.file, file);
  await fsyncPath(dir);
  return { ...p, rows: staged.rows, bytes: (await stat(file)).size };
}

/** Writes `selectSql` as the partition `p`; nothing (null) when it has no rows and `skipEmpty` is set. */
export async function writePartition(conn: DuckDBConnection, root: string, p: PartitionTarget, selectSql: string, skipEmpty = false): Promise<WrittenPartition | null> {
  const staged = await stageFile(conn, root, p.tenantId, `${p.table}-${p.snapshotDate}-${p.generation}`, selectSql);
  if (skipEmpty && staged.rows === 0) {
    rmSync(staged.file, { force: true });
    return null;
  }
  return placePartition(root, p, staged);
}
