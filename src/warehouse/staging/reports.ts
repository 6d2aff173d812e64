// The staged usage reports (their columns are the staging contract's): header validation with csv-parse (first
// rows only), and the typed DuckDB read_csv expression that does the bulk reading.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { REPORTS, type ReportSpec } from '../../shared/staging-contract';
import { MalformedReportError, StagingError } from '../errors';
import { fromCsvParse, MalformedRowError } from './row-errors';
import { sqlIdent, sqlString } from '../db/sql';

export interface ValidatedReport {
  spec: ReportSpec;
  path: string;
  /** Header as found (BOM and surrounding spaces removed), in file order. */
  header: string[];
}

/** Reads the header row (and a few rows, so a broken quote shows) with csv-parse; stops early. */
async function readHeader(file: string, sampleRows: number): Promise<string[][]> {
  const rows: string[][] = [];
  const stream = createReadStream(file);
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, to_line: sampleRows + 1, trim: false }));
  try {
    for await (const row of parser as AsyncIterable<string[]>) rows.push(row);
  } finally {
    stream.destroy();
  }
  return rows;
}

export async function validateReport(stagingDir: string, spec: ReportSpec, sampleRows = 20): Promise<ValidatedReport> {
  const file = path.join(stagingDir, spec.file);
  if (!existsSync(file)) throw new StagingError(`Staged report missing: ${file}. Re-run the extract for this run.`);
  let rows: string[][];
  try {
    rows = await readHeader(file, sampleRows);
  } catch (err) {
    const mapped = fromCsvParse(err, file);
    throw mapped instanceof MalformedRowError ? mapped : new MalformedReportError(spec.file, '(header)', [], { cause: err });
  }
  const header = (rows[0] ?? []).map((h) => h.replace(/^\uFEFF/, '').trim());
  for (const c of spec.columns) {
    if (c.required && !header.includes(c.header)) throw new MalformedReportError(spec.file, c.header, header);
  }
  return { spec, path: file, header };
}

/** Validates the headers of both staged reports. Throws MalformedReportError (non-retryable). */
export async function validateStagedReports(stagingDir: string): Promise<void> {
  await Promise.all(REPORTS.map((spec) => validateReport(stagingDir, spec)));
}

/**
 * A typed `read_csv` over the report, columns given explicitly in the file's own order (extra columns read as
 * VARCHAR and dropped), projected to snake_case names; absent optional columns come out as typed NULLs.
 */
export function reportSelect(v: ValidatedReport): string {
  const known = new Map(v.spec.columns.map((c) => [c.header, c]));
  const fileColumns = v.header.map((h, i) => `${sqlString(`c${i}`)}: ${sqlString(known.get(h)?.type ?? 'VARCHAR')}`);
  const index = new Map(v.header.map((h, i) => [h, i]));
  const projections = v.spec.columns.map((c) => {
    const i = index.get(c.header);
    return i === undefined ? `NULL::${c.type} AS ${c.name}` : `${sqlIdent(`c${i}`)} AS ${c.name}`;
  });
  return `SELECT ${projections.join(', ')} FROM read_csv(${sqlString(v.path)}, header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', columns = {${fileColumns.join(', ')}})`;
}
