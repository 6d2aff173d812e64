// One transaction on the writer's connection: all of `fn` lands, or none of it.
import type { DuckDBConnection } from '@duckdb/node-api';

export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (err) {
    await conn.run('ROLLBACK');
    throw err;
  }
}
