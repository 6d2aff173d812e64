// An older warehouse for upgrade tests: a database file at schema version `version` (the frozen migrations up to it,
// recorded in schema_migrations as the writer would), left open for the test to fill with that version's rows.
// Version 3 runs as it shipped, with its twelve views, since every warehouse of that age holds them.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MIGRATIONS } from '../../src/warehouse/index';
import { sql as shippedVersionThree } from './v003-views-as-shipped';

export async function warehouseAtVersion(file: string, version: number, fill: (c: DuckDBConnection) => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  try {
    await c.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)');
    for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
      await c.run(m.version === 3 ? shippedVersionThree : m.sql());
      await c.run('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
    }
    await fill(c);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
