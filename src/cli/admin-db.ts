// Shared by the commands that change admin data (prices, contracts): the working and published database paths,
// and write -> publish -> close.
import path from 'node:path';
import { parseConfig } from '../config';
import { closeWarehouse, publish } from '../warehouse/index';
import { UsageError } from './usage-error';

export interface DbOptions {
  db?: string;
  workDb?: string;
}

export function dbPaths(opts: DbOptions): { published: string; workDbPath: string } {
  const config = parseConfig();
  const published = path.resolve(opts.db ?? config.dbPath);
  const workDbPath = path.resolve(opts.workDb ?? config.workDbPath);
  if (published === workDbPath) throw new UsageError('--db and --work-db must be different files');
  return { published, workDbPath };
}

/** Runs a write on the working database, then publishes it so analysts see the change. */
export async function writeAndPublish<T>(opts: DbOptions, write: (workDbPath: string) => Promise<T>): Promise<T> {
  const { published, workDbPath } = dbPaths(opts);
  try {
    const out = await write(workDbPath);
    await publish(workDbPath, published);
    return out;
  } finally {
    await closeWarehouse();
  }
}

export const sqlText = (v: string): string => `'${v.replaceAll("'", "''")}'`;
