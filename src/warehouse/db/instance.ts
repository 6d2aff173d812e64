// Every DuckDB instance the pipeline opens comes from here, so none runs without the memory cap: an instance
// created with DuckDB's defaults takes up to 80% of the machine's RAM (a 1M-user report read in the writer
// process once reached 6.9 GB).
import { DuckDBInstance } from '@duckdb/node-api';

/** Offline by construction: json and parquet are built in, nothing may be downloaded. */
export const BASE_OPTIONS: Record<string, string> = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'true',
};

/**
 * The load stages a run into scratch Parquet files rather than memory (history/files.ts), and publish refreshes a
 * big tenant's marts in slices of users (models/build.ts), so DuckDB's buffer pool is the writer's main memory. DuckDB
 * also allocates a few hundred MB outside its limit (readers' and writers' buffers), varying from run to run: with
 * 600MB a 1M-user load and publish peaked at 0.85-1.2 GB RSS. 500MB fits since the UPN map is staged once and the
 * reports are not sorted (before, it ran out of memory staging the reports).
 */
const DEFAULT_MEMORY_LIMIT = '500MB';

/** M365_DUCKDB_MEMORY_LIMIT (validated in config.ts), else 500MB; read at each open, so tests and .env apply. */
export const memoryLimit = (): string => process.env.M365_DUCKDB_MEMORY_LIMIT || DEFAULT_MEMORY_LIMIT;

/** Options of a capped instance: the base options, the memory limit, then `extra` (access mode, load settings). */
export const cappedOptions = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...BASE_OPTIONS,
  memory_limit: memoryLimit(),
  ...extra,
});

/** A DuckDB instance on `file` (or ':memory:') under the memory cap; DuckDB spills to disk beyond it. */
export function createInstance(file: string, extra: Record<string, string> = {}): Promise<DuckDBInstance> {
  return DuckDBInstance.create(file, cappedOptions(extra));
}
