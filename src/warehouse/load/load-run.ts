// What the steps of one load share: the writer's connection, the run's identity and settings, the history root,
// the step timer (reported through the caller's onStep) and the scratch files to remove at the end.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/sql';
import { stageFile, type StagedFile } from '../history/files';
import type { StagingIdentity } from '../staging/manifest';
import type { LoadOptions, WarehouseSettings } from '../types';

export interface LoadRun {
  conn: DuckDBConnection;
  opts: LoadOptions;
  id: StagingIdentity;
  settings: Required<WarehouseSettings>;
  root: string;
  /** Runs one named step and reports its duration. */
  timed<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Writes a query's rows to a scratch Parquet file, removed when the load ends. */
  stage(name: string, sql: string): Promise<StagedFile>;
}

export function startLoadRun(conn: DuckDBConnection, opts: LoadOptions, id: StagingIdentity, settings: Required<WarehouseSettings>, root: string, scratch: StagedFile[]): LoadRun {
  const onStep = opts.onStep ?? (() => undefined);
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await fn();
    onStep(name, performance.now() - t);
    return out;
  };
  const stage = async (name: string, sql: string): Promise<StagedFile> => {
    const f = await stageFile(conn, root, id.tenantId, name, sql);
    scratch.push(f);
    return f;
  };
  return { conn, opts, id, settings, root, timed, stage };
}

export const parquet = (f: StagedFile): string => `read_parquet(${sqlString(f.file)})`;
