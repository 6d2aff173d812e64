// Removes history files nobody can read any more: generations superseded by an earlier load (a re-run day,
// a retention cut), and files of a load that crashed before it committed. It runs at the start of each load, so a
// file replaced by load N stays until load N+1: a reader still holding the file published before load N keeps
// working until then. Files the published file names are always kept (a load committed but not yet published).
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/sql';
import { HISTORY_TABLE_NAMES, PART_FILE, scratchDir, tenantDir } from './layout';

export interface GarbageCollected {
  files: number;
  bytes: number;
}

const keyOf = (table: string, date: string, generation: string) => `${table}/${date}/${generation}`;

async function currentKeys(conn: DuckDBConnection, tenantId: string, schema: string): Promise<Set<string>> {
  const rows = (
    await conn.runAndReadAll(`SELECT table_name, snapshot_date::VARCHAR, generation FROM ${schema}.history_partitions WHERE tenant_id = $1 AND superseded_at IS NULL`, [tenantId])
  ).getRowsJson();
  return new Set(rows.map((r) => keyOf(String(r[0]), String(r[1]), String(r[2]))));
}

/** Generations the published file still shows (empty when there is none, or it predates partitions). */
async function publishedKeys(conn: DuckDBConnection, tenantId: string, publishedPath: string | undefined): Promise<Set<string>> {
  if (!publishedPath || !existsSync(publishedPath)) return new Set();
  await conn.run(`ATTACH ${sqlString(publishedPath)} AS published__ (READ_ONLY)`);
  try {
    const has = (await conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE database_name = 'published__' AND table_name = 'history_partitions'`)).getRowsJson()[0]?.[0];
    return Number(has) > 0 ? await currentKeys(conn, tenantId, 'published__.main') : new Set();
  } finally {
    await conn.run('DETACH published__');
  }
}

export async function collectGarbage(conn: DuckDBConnection, root: string, tenantId: string, publishedPath?: string): Promise<GarbageCollected> {
  const keep = new Set([...(await currentKeys(conn, tenantId, 'main')), ...(await publishedKeys(conn, tenantId, publishedPath))]);
  const out: GarbageCollected = { files: 0, bytes: 0 };
  const remove = (file: string) => {
    out.bytes += statSync(file).size;
    out.files += 1;
    rmSync(file, { force: true });
  };
  for (const table of HISTORY_TABLE_NAMES) {
    const dir = tenantDir(root, table, tenantId);
    if (!existsSync(dir)) continue;
    for (const day of readdirSync(dir)) {
      const date = /^snapshot_date=(\d{4}-\d{2}-\d{2})$/.exec(day)?.[1];
      if (!date) continue;
      const dayDir = path.join(dir, day);
      for (const f of readdirSync(dayDir)) {
        const generation = PART_FILE.exec(f)?.[1];
        if (generation && keep.has(keyOf(table, date, generation))) continue;
        remove(path.join(dayDir, f));
      }
      if (readdirSync(dayDir).length === 0) rmdirSync(dayDir);
    }
  }
  // Scratch files are renamed away before their load commits: what is left belongs to a load that died.
  const scratch = scratchDir(root);
  if (existsSync(scratch)) for (const f of readdirSync(scratch)) if (f.includes(`-${tenantId}-`)) remove(path.join(scratch, f));
  // Rows of removed generations; rows the published file still names stay until their files go.
  const rows = (
    await conn.runAndReadAll(`SELECT table_name, snapshot_date::VARCHAR, generation FROM history_partitions WHERE tenant_id = $1 AND superseded_at IS NOT NULL`, [tenantId])
  ).getRowsJson();
  for (const r of rows) {
    if (keep.has(keyOf(String(r[0]), String(r[1]), String(r[2])))) continue;
    await conn.run(`DELETE FROM history_partitions WHERE tenant_id = $1 AND table_name = $2 AND snapshot_date = $3::DATE AND generation = $4`, [
      tenantId,
      String(r[0]),
      String(r[1]),
      String(r[2]),
    ]);
  }
  return out;
}
