// Streams a DuckDB result to an output sink chunk by chunk (DuckDB hands out ~2048 rows at a time) in table,
// CSV or JSON form. Table output keeps only the rows it shows and counts the rest for the footer.
import type { DuckDBConnection, DuckDBResult, DuckDBValue, Json } from '@duckdb/node-api';
import { JsonDuckDBValueConverter } from '@duckdb/node-api';
import { csvCell, safeJson } from './sanitize';
import { OutputSink } from './sink';
import { TextTable, tableFooter } from './table';
import { cellText, isTextual, scriptJson } from './values';

export type OutputFormat = 'table' | 'csv' | 'json';
export const FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

export interface RenderOptions {
  format: OutputFormat;
  /** At most this many rows are printed; undefined prints all. */
  limit?: number;
}

export interface RenderSummary {
  /** Rows the query returned (counted to the end in table format; in CSV/JSON, up to the limit). */
  total: number;
  shown: number;
}

/** Renders a streaming result; returns how many rows there were and how many were printed. */
export async function renderResult(result: DuckDBResult, opts: RenderOptions, sink: OutputSink = new OutputSink()): Promise<RenderSummary> {
  const columns = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let total = 0;
  let shown = 0;

  if (opts.format === 'table') {
    const table = new TextTable(columns);
    for await (const chunk of result) {
      total += chunk.rowCount;
      if (shown >= limit) continue; // keep counting for the footer, keep nothing
      for (const row of chunk.convertRows<Json>(JsonDuckDBValueConverter)) {
        if (shown >= limit) break;
        table.add(row.map((v) => (v === null ? null : cellText(v))));
        shown++;
      }
    }
    for (const line of table.lines()) await sink.write(`${line}\n`);
    await sink.write(`${tableFooter(total, shown)}\n`);
    await sink.flush();
    return { total, shown };
  }

  const textual = types.map(isTextual);
  if (opts.format === 'csv') await sink.write(`${columns.map((c) => csvCell(c)).join(',')}\n`);
  else await sink.write('[');
  for await (const chunk of result) {
    if (shown >= limit || sink.closed) break;
    const rows = chunk.convertRows<Json>(opts.format === 'csv' ? JsonDuckDBValueConverter : scriptJson);
    // One write per chunk (~2048 rows): awaiting per row costs more than formatting it.
    const lines: string[] = [];
    for (const row of rows) {
      if (shown >= limit) break;
      if (opts.format === 'csv') {
        lines.push(`${row.map((v, i) => csvCell(cellText(v), textual[i])).join(',')}\n`);
      } else {
        const obj: Record<string, Json | null> = {};
        for (let i = 0; i < columns.length; i++) obj[columns[i]!] = row[i] ?? null;
        lines.push(`${shown === 0 ? '' : ',\n'}${safeJson(JSON.stringify(obj))}`);
      }
      shown++;
    }
    await sink.write(lines.join(''));
  }
  total = shown;
  if (opts.format === 'json') await sink.write(']\n');
  await sink.flush();
  return { total, shown };
}

/** Runs `sql` on `conn` as a streaming query and renders it. */
export async function renderQuery(
  conn: DuckDBConnection,
  sql: string,
  opts: RenderOptions,
  sink?: OutputSink,
  params?: DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<RenderSummary> {
  return renderResult(await conn.stream(sql, params), opts, sink);
}
