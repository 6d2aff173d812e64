// `m365-license query "SQL" [--db FILE] [--format table|csv|json] [--limit N | --all]`: read-only SQL on the published warehouse.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { openReadOnly, type QueryResult } from '../warehouse/index';
import { addListingOptions, listingOptions, parseFormat, type ListingFlags } from './output/listing';
import { renderQuery, type OutputFormat } from './output/render';
import { csvCell } from './output/sanitize';
import { TextTable, tableFooter } from './output/table';
import { cellText } from './output/values';
import { QueryRefusedError, checkReadOnlySql, runReadOnlyQuery } from '../warehouse/index';
import { UsageError } from './usage-error';

export { parseFormat, type OutputFormat };

/** Small, already-read results (the dev summary) as text; long listings stream through renderQuery instead. */
export function formatRows(result: QueryResult, format: OutputFormat): string {
  const { columns, rows } = result;
  if (format === 'json') return `${JSON.stringify(rows)}\n`;
  const lines: string[] = [];
  if (format === 'csv') {
    lines.push(columns.map((c) => csvCell(c)).join(','));
    for (const r of rows) lines.push(columns.map((c) => csvCell(cellText(r[c]))).join(','));
    return `${lines.join('\n')}\n`;
  }
  const table = new TextTable(columns);
  for (const r of rows) table.add(columns.map((c) => (r[c] === null || r[c] === undefined ? null : cellText(r[c]))));
  lines.push(...table.lines(), tableFooter(rows.length, rows.length), '');
  return lines.join('\n');
}

/** One checked read-only statement (src/warehouse/query/readonly-query.ts); a refused one is a usage error (exit 2). */
export async function queryPublished(dbFile: string, sql: string): Promise<QueryResult> {
  try {
    return await runReadOnlyQuery(dbFile, sql);
  } catch (err) {
    if (err instanceof QueryRefusedError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

export function registerQuery(program: Command): void {
  const cmd = program
    .command('query')
    .description('run read-only SQL on the published warehouse and print the result')
    .argument('<sql>', 'SQL to run, e.g. "SELECT * FROM license_utilization"')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)');
  addListingOptions(cmd).action(async (sql: string, opts: ListingFlags & { db?: string }) => {
    const render = listingOptions(opts);
    const file = path.resolve(opts.db ?? parseConfig().dbPath);
    const ro = await openReadOnly(file);
    try {
      // One checked read-only statement (src/warehouse/query/readonly-query.ts); a refused one is a usage error (exit 2).
      await checkReadOnlySql(ro.connection, sql).catch((err: unknown) => {
        throw err instanceof QueryRefusedError ? new UsageError(err.message, { cause: err }) : err;
      });
      // Streamed: rows are printed as DuckDB hands them out, so any result size fits in memory.
      await renderQuery(ro.connection, sql, render);
    } finally {
      ro.close();
    }
  });
}
