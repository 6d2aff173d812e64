// Turns CSV and DuckDB read errors on staged files into one non-retryable error naming file, line and column
// only, never a value. DuckDB's own text quotes the offending line ("Original Line: ...") and value, and
// csv-parse keeps the raw record: both would carry a UPN into workflow history and logs, so neither is kept,
// not even as the cause. A broken file does not heal on retry: the workflow lists this name as non-retryable.
import path from 'node:path';
import { CsvError } from 'csv-parse';

export class MalformedRowError extends Error {
  override name = 'MalformedRowError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: string | null,
    problem: string,
    /** The reader's error code (e.g. INVALID_OPENING_QUOTE): the cause keeps it, and nothing of the row. */
    kind: string,
  ) {
    const where = [line !== null ? `line ${line}` : null, column ? `column ${column}` : null].filter(Boolean).join(', ');
    const message =
      `Staged file ${file} is malformed${where ? ` at ${where}` : ''}: ${problem}. ` +
      'Row values are not shown (they are personal data): look at that line in the file, then re-run the extract for this run.';
    // Callers that report the innermost cause (dailySync's failure message) must still see file and line.
    super(message, { cause: Object.assign(new Error(`[${kind}] ${message}`), { name: 'RedactedCause' }) });
  }
}

/** csv-parse errors (header check, sampling): its `code`, `lines` and `column` are safe; `raw`/`record`/`message` are not. */
export function fromCsvParse(err: unknown, file: string): unknown {
  // Most codes start with CSV_, some (INVALID_OPENING_QUOTE) do not: match the class.
  if (!(err instanceof CsvError)) return err;
  const e = err as CsvError & { lines?: unknown; column?: unknown; index?: unknown };
  const line = typeof e.lines === 'number' ? e.lines : null;
  const col = typeof e.column === 'number' ? e.column + 1 : typeof e.index === 'number' ? e.index + 1 : null;
  const problem = e.code.replace(/^CSV_/, '').toLowerCase().replaceAll('_', ' ');
  return new MalformedRowError(file, line, col === null ? null : String(col), problem, e.code);
}

/** DuckDB errors from read_csv / read_json over the staging directory; anything else is returned unchanged. */
/** What a DuckDB error needs to name a report's file and column (the validated report, without importing it). */
interface ReportColumns {
  path: string;
  header: string[];
  spec: { file: string };
}

export function fromDuckDbRead(err: unknown, stagingDir: string, reports: readonly ReportColumns[]): unknown {
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
    const problem = counts ? `expected ${counts[1]} columns, found ${counts[2]}` : type ? `a value that is not a valid ${type}` : 'a row DuckDB could not read';
    return new MalformedRowError(file ? rel(file) : 'a staged report', Number(csv[1]), column, problem, 'DuckDB CSV error');
  }
  const json = /(Malformed JSON|JSON transform error) in file "([^"]+)"(?:, at byte (\d+))?(?:,)? in record\/value (\d+)/.exec(m);
  if (json) {
    const problem = json[1] === 'Malformed JSON' ? `malformed JSON${json[3] ? ` at byte ${json[3]}` : ''}` : 'a value of the wrong type';
    return new MalformedRowError(rel(json[2]!), null, null, `${problem} in record ${json[4]}`, 'DuckDB JSON error');
  }
  if (/Conversion Error|Invalid Input Error/.test(m) && m.includes(stagingDir)) {
    return new MalformedRowError(`a file in ${stagingDir}`, null, null, 'DuckDB could not read it', 'DuckDB read error');
  }
  return err;
}
