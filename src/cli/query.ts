// `m365-license query "SQL" [--db FILE] [--format table|csv|json]`: read-only SQL on the published warehouse.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import type { QueryResult } from '../warehouse/index';
import { QueryRefusedError, runReadOnlyQuery } from '../warehouse/readonly-query';
import { UsageError } from './usage-error';

export type OutputFormat = 'table' | 'csv' | 'json';
const FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

export function parseFormat(value: string | undefined): OutputFormat {
  const f = (value ?? 'table') as OutputFormat;
  if (!FORMATS.includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${value}`);
  return f;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const csvCell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export function formatRows(result: QueryResult, format: OutputFormat): string {
  const { columns, rows } = result;
  if (format === 'json') return `${JSON.stringify(rows)}\n`;
  if (format === 'csv') {
    return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(text(r[c]))).join(','))].join('\n') + '\n';
  }
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : text(r[c]))));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]!.length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (vals: string[]) => vals.map((v, i) => fit(v, widths[i]!)).join(' │ ').trimEnd();
  return [line(columns), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`, ''].join('\n');
}

/** One checked read-only statement (src/warehouse/readonly-query.ts); a refused one is a usage error (exit 2). */
export async function queryPublished(dbFile: string, sql: string): Promise<QueryResult> {
  try {
    return await runReadOnlyQuery(dbFile, sql);
  } catch (err) {
    if (err instanceof QueryRefusedError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run read-only SQL on the published warehouse and print the result')
    .argument('<sql>', 'SQL to run, e.g. "SELECT * FROM license_utilization"')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (sql: string, opts: { db?: string; format?: string }) => {
      const format = parseFormat(opts.format);
      const file = path.resolve(opts.db ?? parseConfig().dbPath);
      const result = await queryPublished(file, sql);
      process.stdout.write(formatRows(result, format));
    });
}
