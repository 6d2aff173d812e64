// Version 10 moved sign-in times out of the `users` roster into their own roster table (`sign_ins`). Partitions of
// `users` written before it carry the times as columns: on the first writer open afterwards, each pending tenant's
// current `users` partitions are projected into `sign_ins` partitions of the same days (same base flag), and
// registered in one transaction with the tenant's pending mark removed. A crash before that commit leaves only
// unregistered files, which the next collection removes; the next open starts the tenant again.
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HAS_SIGN_IN } from '../load/sign-in-activity';
import { sqlString } from '../db/sql';
import { inTransaction } from '../db/transaction';
import { registerDayFiles, type DayFiles } from './day';
import { writePartition } from './files';
import { attributeColumns, newGeneration, partFileName, partitionDir } from './layout';

const TIMES = attributeColumns('sign_ins');

/**
 * One `users` change file as `sign_ins` changes: an upsert with a time stays an upsert; an upsert without any time
 * (the user has none that day) becomes a tombstone, like a user gone. A base keeps only its users with a time.
 */
function projection(file: string, base: boolean): string {
  const kept = `change = 'upsert' AND ${HAS_SIGN_IN}`;
  return `SELECT user_id, CASE WHEN ${kept} THEN 'upsert' ELSE 'delete' END AS change,
            ${TIMES.map((c) => `CASE WHEN ${kept} THEN ${c} END AS ${c}`).join(', ')}
          FROM read_parquet(${sqlString(file)})${base ? ` WHERE ${kept}` : ''}`;
}

async function hasTimes(conn: DuckDBConnection, file: string): Promise<boolean> {
  const cols = (await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 0`)).columnNames();
  return TIMES.every((c) => cols.includes(c));
}

export async function splitSignIns(conn: DuckDBConnection, root: string): Promise<void> {
  const pendingTable = await conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'sign_ins_split_pending'`);
  if (Number(pendingTable.getRowsJson()[0]![0]) === 0) return;
  const tenants = (await conn.runAndReadAll('SELECT tenant_id FROM sign_ins_split_pending ORDER BY 1')).getRowsJson().map((r) => String(r[0]));
  for (const tenantId of tenants) {
    const parts = (
      await conn.runAndReadAll(
        `SELECT snapshot_date::VARCHAR, generation, base FROM history_partitions
       WHERE tenant_id = $1 AND table_name = 'users' AND superseded_at IS NULL ORDER BY snapshot_date`,
        [tenantId],
      )
    ).getRowsJson() as [string, string, boolean][];
    const files: DayFiles = { written: [], supersede: [] };
    for (const [date, generation, base] of parts) {
      const file = path.join(partitionDir(root, 'users', tenantId, date), partFileName(generation));
      try {
        if (!(await hasTimes(conn, file))) continue;
        files.supersede.push({ table: 'sign_ins', snapshotDate: date });
        const target = { table: 'sign_ins' as const, tenantId, snapshotDate: date, generation: newGeneration(), base };
        const w = await writePartition(conn, root, target, projection(file, base), !base);
        if (w) files.written.push(w);
      } catch (err) {
        throw new Error(
          `Splitting sign-in times out of ${file} (schema version 10) failed: ${(err as Error).message}. Restore that file ` +
            `from a backup of the history directory and start the writer again; nothing of this tenant's split was kept.`,
          { cause: err },
        );
      }
    }
    await inTransaction(conn, async () => {
      await registerDayFiles(conn, tenantId, files);
      await conn.run('DELETE FROM sign_ins_split_pending WHERE tenant_id = $1', [tenantId]);
    });
  }
  await conn.run('DROP TABLE sign_ins_split_pending');
}
