// Run at every writer open, after the migrations: the history directory's schema files, the move of
// pre-partition history (legacy_* tables), then the models recreated in dependency order, and the split of sign-in
// times out of older `users` partitions (version 10).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createModels } from '../models/build';
import { sqlString } from '../db/sql';
import { PARQUET_OPTIONS } from './files';
import { HISTORY_TABLE_NAMES, HISTORY_TABLES, partFileName, partitionDir, SCHEMA_DATE, SCHEMA_GENERATION, SCHEMA_TENANT } from './layout';
import { moveLegacyHistory } from './legacy';
import { splitSignIns } from './split-sign-ins';

/**
 * Writes each table's empty schema file (the views need one file to bind before the first load), and rewrites it
 * when a table gained columns (sign-in times, migration 6): with union_by_name, older partitions read those as NULL.
 */
async function ensureSchemaFiles(conn: DuckDBConnection, root: string): Promise<void> {
  for (const table of HISTORY_TABLE_NAMES) {
    const dir = partitionDir(root, table, SCHEMA_TENANT, SCHEMA_DATE);
    const file = path.join(dir, partFileName(SCHEMA_GENERATION));
    const want = HISTORY_TABLES[table].columns.map(([c]) => c).join(',');
    if (existsSync(file)) {
      const have = (await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 0`)).columnNames().join(',');
      if (have === want) continue;
    }
    mkdirSync(dir, { recursive: true });
    const cols = HISTORY_TABLES[table].columns.map(([c, type]) => `NULL::${type} AS ${c}`).join(', ');
    await conn.run(`COPY (SELECT ${cols} LIMIT 0) TO ${sqlString(file)} (${PARQUET_OPTIONS})`);
  }
}

export async function prepareHistory(conn: DuckDBConnection, root: string): Promise<void> {
  await ensureSchemaFiles(conn, root);
  await conn.run('BEGIN TRANSACTION');
  try {
    await createModels(conn, root);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK');
    throw new Error(`Creating the warehouse models failed: ${(err as Error).message}`, { cause: err });
  }
  await moveLegacyHistory(conn, root);
  await splitSignIns(conn, root);
}
