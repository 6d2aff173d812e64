// Versioned schema of the warehouse: each migration runs once, in its own transaction, recorded in
// `schema_migrations`. The migrations themselves are frozen text, one file per version in migrations/; views are
// models (models/<layer>/*.sql), recreated after the migrations on every writer open.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FROZEN_MIGRATIONS } from './migrations/index';
import { sqlString } from '../db/sql';
import { prepareHistory } from '../history/prepare';

/** Microsoft's licensing reference, copied into data/ (see data/README.md). */
export const LICENSING_REFERENCE_CSV = fileURLToPath(new URL('../../../data/ms-licensing-reference.csv', import.meta.url));

/** The default USD list prices shipped in data/ (loaded once by migration 5; edit and re-import with `prices import`). */
export const DEFAULT_PRICES_CSV = fileURLToPath(new URL('../../../data/prices.csv', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  /** The frozen text with this machine's data file paths filled in. */
  sql: () => string;
}

const dataFile = (name: string): string => {
  const file = fileURLToPath(new URL(`../../../data/${name}`, import.meta.url));
  if (!existsSync(file)) throw new Error(`Reference data file not found: ${file}`);
  return file;
};

/** Fills in `{{ data_file('<name>') }}`: the reference files live in data/, wherever the project is installed. */
export const expandMigration = (text: string): string => text.replace(/\{\{\s*data_file\('([A-Za-z0-9._-]+)'\)\s*\}\}/g, (_all, name: string) => sqlString(dataFile(name)));

export const MIGRATIONS: readonly Migration[] = FROZEN_MIGRATIONS.map((m) => ({
  version: m.version,
  name: m.name,
  sql: () => expandMigration(m.text),
}));

/** Applies pending migrations, then recreates the models (views over `historyRoot`'s partitions, marts). */
export async function migrate(conn: DuckDBConnection, historyRoot: string): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)');
  const applied = new Set((await conn.runAndReadAll('SELECT version FROM schema_migrations')).getRowsJson().map((r) => Number(r[0])));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(m.sql());
      await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK');
      throw new Error(`Warehouse migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  await prepareHistory(conn, historyRoot);
}
