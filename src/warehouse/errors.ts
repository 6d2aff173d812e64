// Error classes of the warehouse. Their `name` is stable: Temporal matches retryability on it
// (MalformedReportError, MalformedRowError in staging/row-errors.ts and StagingError are non-retryable; WarehouseLockedError is retryable).

/** A staged report lacks a column the load needs. Retrying cannot help: the extract must be fixed or redone. */
export class MalformedReportError extends Error {
  override name = 'MalformedReportError';
  constructor(
    readonly file: string,
    readonly column: string,
    readonly headerFound: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `Report ${file} has no column "${column}" (header found: ${headerFound.map((h) => JSON.stringify(h)).join(', ') || 'none'}). ` +
        'Re-run the extract; if Microsoft changed the report layout, update REPORTS in src/shared/staging-contract.ts.',
      options,
    );
  }
}

/** The staging directory is incomplete or inconsistent (missing file, manifest mismatch). Non-retryable. */
export class StagingError extends Error {
  override name = 'StagingError';
}

/** DuckDB refused the file lock: another process has the file open. Retryable once that process lets go. */
export class WarehouseLockedError extends Error {
  override name = 'WarehouseLockedError';
}

const LOCK_PATTERN = /Could not set lock on file|Conflicting lock is held/i;

/** Turns DuckDB's lock failure into WarehouseLockedError, telling the user which process to close. */
export function mapOpenError(err: unknown, file: string, mode: 'read-write' | 'read-only'): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!LOCK_PATTERN.test(message)) return err;
  const holder = /PID (\d+)/.exec(message)?.[1];
  const who = holder ? `process ${holder}` : 'another process';
  const advice =
    mode === 'read-write'
      ? `Only one writer may open it: stop ${who} (another m365-license worker or import using the same working database, or a DuckDB session opened on it), then retry.`
      : `${who} has it open read-write: close that program (for example a DuckDB CLI started without -readonly), then retry. Analysts must open the published file read-only.`;
  return new WarehouseLockedError(`The warehouse file ${file} is locked. ${advice}`, { cause: err });
}

/** DuckDB hit the writer's memory cap on something it cannot spill to disk. A retry would hit it again. */
export class WarehouseOutOfMemoryError extends Error {
  override name = 'WarehouseOutOfMemoryError';
}

/** DuckDB's own advice names SQL settings; the operator needs the variable that sets the cap here. */
export function mapWriteError(err: unknown, memoryLimit: string): unknown {
  if (!(err instanceof Error) || !/Out of Memory Error/i.test(err.message)) return err;
  return new WarehouseOutOfMemoryError(
    `The warehouse write ran out of memory (DuckDB memory limit ${memoryLimit}). Raise M365_DUCKDB_MEMORY_LIMIT for the process that writes the warehouse (e.g. 2GB) and run the day again with --force.`,
    { cause: err },
  );
}
