// Turns CSV and DuckDB read errors on staged files into one non-retryable error naming file, line and column
// only (issue 11, item 7). DuckDB's own text quotes the offending line ("Original Line: ...") and value, and
// csv-parse keeps the raw record: both would carry a UPN into workflow history and logs, so neither is kept,
// not even as the cause. A broken file does not heal on retry: the workflow lists this name as non-retryable.
import path from 'node:path';
import type { ValidatedReport } from './reports';

export class MalformedRowError extends Error {
  override name = 'MalformedRowError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: string | null,
    problem: string,
    options?: { cause?: unknown },
  ) {
    const where = [line !== null ? `line ${line}` : null, column ? `column ${column}` : null].filter(Boolean).join(', ');
    super(
      `Staged file ${file} is malformed${where ? ` at ${where}` : ''}: ${problem}. ` +
        'Row values are not shown (they are personal data): look at that line in the file, then re-run the extract for this run.',
      options,
    );
  }
}

/** A cause that keeps the error's kind (a code) and nothing of the row. */
const codeCause = (kind: string): Error => Object.assign(new Error(kind), { name: 'RedactedCause' });

/** csv-parse errors (header check, sampling): its `code`, `lines` and `column` are safe; `raw`/`record`/`message` are not. */
export function fromCsvParse(err: unknown, file: string): unknown {
  const e = err as { code?: unknown; lines?: unknown; column?: unknown; index?: unknown } | null;
  if (!e || typeof e.code !== 'string' || !e.code.startsWith('CSV_')) return err;
  const line = typeof e.lines === 'number' ? e.lines : null;
  const col = typeof e.column === 'number' ? e.column + 1 : typeof e.index === 'number' ? e.index + 1 : null;
  const problem = e.code.replace(/^CSV_/, '').toLowerCase().replaceAll('_', ' ');
  return new MalformedRowError(file, line, col === null ? null : String(col), problem, { cause: codeCause(e.code) });
}

/** DuckDB errors from read_csv / read_json over the staging directory; anything else is returned unchanged. */
export function fromDuckDbRead(err: unknown, stagingDir: string, reports: readonly ValidatedReport[]): unknown {
  if (!(err instanceof Error)) return err;
  const m = err.message;
  const rel = (f: string) => path.resolve(stagingDir, f);
  const csv = /CSV Error on Line: (\d+)/.exec(m);
  if (csv) {
    const file = /^\s*file = (.+)$/m.exec(m)?.[1]?.trim();
    const report = reports.find((r) => r.path === file) ?? reports.find((r) => file?.endsWith(r.spec.file));
    const colRef = /converting column "c(\d+)"/.exec(m)?.[1];
    let column: string | null = null;
    if (colRef !== undefined) {
      const i = Number(colRef);
      column = `${i + 1}${report?.header[i] ? ` (${report.header[i]})` : ''}`;
    }
    const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(m);
    const type = /to '(\w+)'/.exec(m)?.[1];
    const problem = counts
      ? `expected ${counts[1]} columns, found ${counts[2]}`
      : type
        ? `a value that is not a valid ${type}`
        : 'a row DuckDB could not read';
    return new MalformedRowError(file ? rel(file) : 'a staged report', Number(csv[1]), column, problem, { cause: codeCause('DuckDB CSV error') });
  }
  const json = /(Malformed JSON|JSON transform error) in file "([^"]+)"(?:, at byte (\d+))?(?:,)? in record\/value (\d+)/.exec(m);
  if (json) {
    const problem = json[1] === 'Malformed JSON' ? `malformed JSON${json[3] ? ` at byte ${json[3]}` : ''}` : 'a value of the wrong type';
    return new MalformedRowError(rel(json[2]!), null, null, `${problem} in record ${json[4]}`, { cause: codeCause('DuckDB JSON error') });
  }
  if (/Conversion Error|Invalid Input Error/.test(m) && m.includes(stagingDir)) {
    return new MalformedRowError(`a file in ${stagingDir}`, null, null, 'DuckDB could not read it', { cause: codeCause('DuckDB read error') });
  }
  return err;
}
