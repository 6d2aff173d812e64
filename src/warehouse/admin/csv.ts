// Reading the admin's CSV files (prices, contracts): header by name, one problem per line and reason, so a bad
// file is refused whole with everything wrong in it listed at once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface LineProblem {
  line: number;
  reason: string;
}

/** An admin file (prices, contracts) was refused: nothing of it was imported. Non-retryable: fix the file. */
export class AdminFileError extends Error {
  override name = 'AdminFileError';
  constructor(
    readonly file: string,
    readonly problems: LineProblem[],
    options?: { cause?: unknown },
  ) {
    const shown = problems.slice(0, 20).map((p) => `  line ${p.line}: ${p.reason}`);
    if (problems.length > 20) shown.push(`  ... and ${problems.length - 20} more`);
    super(
      `${path.basename(file)} refused, nothing imported (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix these lines and import it again:\n${shown.join('\n')}`,
      options,
    );
  }
}

export interface CsvRow {
  line: number;
  get(column: string): string;
}

/** Parses `file`; `required` columns must be present, `optional` may be; any other column is refused (a typo). */
export function readAdminCsv(file: string, required: readonly string[], optional: readonly string[]): CsvRow[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(readFileSync(file, 'utf8'), { bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as never;
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    throw new AdminFileError(file, [{ line, reason: `not valid CSV: ${(err as Error).message}` }], { cause: err });
  }
  const header = (records[0]?.record ?? []).map((h) => h.trim().toLowerCase());
  const problems: LineProblem[] = [];
  for (const c of required) if (!header.includes(c)) problems.push({ line: 1, reason: `missing column "${c}" (columns needed: ${required.join(',')})` });
  for (const h of header)
    if (!required.includes(h) && !optional.includes(h)) problems.push({ line: 1, reason: `unknown column "${h}" (allowed: ${[...required, ...optional].join(',')})` });
  const rows: CsvRow[] = [];
  for (const r of records.slice(1)) {
    if (r.record.length !== header.length) problems.push({ line: r.info.lines, reason: `${r.record.length} fields, the header has ${header.length}` });
    rows.push({ line: r.info.lines, get: (c) => (r.record[header.indexOf(c)] ?? '').trim() });
  }
  if (problems.length > 0) throw new AdminFileError(file, problems);
  if (rows.length === 0) throw new AdminFileError(file, [{ line: 2, reason: 'no rows after the header' }]);
  return rows;
}

export const BILLINGS = ['monthly', 'annual', 'triennial'] as const;
export type Billing = (typeof BILLINGS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export function parseDate(v: string): string | null {
  if (!DATE.test(v)) return null;
  const d = new Date(`${v}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v ? null : v;
}

/** A money amount as exact decimal text (at most 4 decimals), or the reason it is not one. */
export function parseAmount(v: string): { value: string } | { reason: string } {
  if (/^-\s*\d/.test(v)) return { reason: `negative price ${v}` };
  if (!/^\d+(\.\d{1,4})?$/.test(v)) return { reason: `price "${v}" is not a decimal number with at most 4 decimals` };
  return { value: v };
}

export function parseCurrency(v: string): string | null {
  const c = v.toUpperCase();
  return /^[A-Z]{3}$/.test(c) ? c : null;
}

/** Inclusive ranges [from, to] (to null = open) overlap. */
export function overlaps(a: { from: string; to: string | null }, b: { from: string; to: string | null }): boolean {
  return a.from <= (b.to ?? '9999-12-31') && b.from <= (a.to ?? '9999-12-31');
}
