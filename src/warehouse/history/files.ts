// Writing one partition file durably: COPY to a scratch name outside every glob, fsync, rename into the
// partition directory (atomic), fsync the directory. Readers only ever see whole files.
import { mkdirSync } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../sql';
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

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** ZSTD at DuckDB's default level; row groups of 122,880 rows keep the writer's buffers small. */
export const PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd`;

export async function writePartition(
  conn: DuckDBConnection,
  root: string,
  p: { table: HistoryTableName; tenantId: string; snapshotDate: string; generation: string; base: boolean },
  selectSql: string,
): Promise<WrittenPartition> {
  const scratch = scratchDir(root);
  mkdirSync(scratch, { recursive: true });
  const tmp = path.join(scratch, `${p.table}-${p.tenantId}-${p.snapshotDate}-${p.generation}.parquet`);
  const r = await conn.run(`COPY (${selectSql}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`);
  await fsyncPath(tmp);
  const dir = partitionDir(root, p.table, p.tenantId, p.snapshotDate);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, partFileName(p.generation));
  await rename(tmp, file);
  await fsyncPath(dir);
  return { ...p, rows: Number(r.rowsChanged), bytes: (await stat(file)).size };
}
