// A quick verdict from the first rows of each staged report (csv-parse, streaming, stops early): what the
// pipeline's detect step shows while the load, which computes the verdict over every row, is still ahead.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { listValue } from '@duckdb/node-api';
import { parse } from 'csv-parse';
import { DEFAULT_CONCEALED_THRESHOLD, verdictFrom, type DetectOptions } from './anonymization';
import { COPILOT_USAGE_REPORT, REPORTS } from '../../shared/staging-contract';
import { fromCsvParse } from './row-errors';
import { readManifest, todayUtc } from './manifest';
import { CONCEALED_UPN_SQL, type ReportStats } from './stage';
import { createInstance } from '../db/instance';
import { DEFAULT_SETTINGS, type AnonymizationVerdict } from '../types';

/** How many names of each list are concealed, by the load's own rule (CONCEALED_UPN_SQL), so the rule is written once. */
async function countConcealed(lists: string[][]): Promise<number[]> {
  const instance = await createInstance(':memory:');
  const conn = await instance.connect();
  try {
    const counts: number[] = [];
    for (const upns of lists) {
      // A report with no rows (a small tenant's Copilot report): DuckDB cannot type an empty list parameter.
      if (upns.length === 0) {
        counts.push(0);
        continue;
      }
      const r = await conn.runAndReadAll(`SELECT count(*) FILTER (WHERE ${CONCEALED_UPN_SQL})::INTEGER FROM (SELECT unnest($1::VARCHAR[]) AS user_principal_name)`, [
        listValue(upns),
      ]);
      counts.push(Number(r.getRowsJson()[0]?.[0] ?? 0));
    }
    return counts;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The first `rows` rows of a report: their counts and refresh date, and the names for countConcealed. */
async function sampleStats(file: string, rows: number): Promise<{ stats: ReportStats; upns: string[] }> {
  const stream = createReadStream(file);
  const parser = stream.pipe(parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim()), relax_column_count: true, skip_empty_lines: true, to_line: rows + 1 }));
  const stats: ReportStats = { rows: 0, concealedRows: 0, matched: 0, refreshDate: null };
  const upns: string[] = [];
  try {
    for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
      stats.rows += 1;
      upns.push(row['User Principal Name'] ?? '');
      const refresh = row['Report Refresh Date'];
      if (refresh && (!stats.refreshDate || refresh > stats.refreshDate)) stats.refreshDate = refresh;
    }
  } catch (err) {
    // csv-parse's error keeps the raw row: report file and line only.
    throw fromCsvParse(err, file);
  } finally {
    stream.destroy();
  }
  return { stats, upns };
}

/** The verdict over the first `sampleRows` rows of each report; `matchedToRoster` is 0 (the load counts it). */
export async function sampleAnonymization(stagingDir: string, opts: DetectOptions & { sampleRows?: number } = {}): Promise<AnonymizationVerdict> {
  const manifest = readManifest(stagingDir);
  // The Copilot report counts like the others when the run staged it (its names are concealed the same way).
  const specs = [...REPORTS, ...(existsSync(path.join(stagingDir, COPILOT_USAGE_REPORT.file)) ? [COPILOT_USAGE_REPORT] : [])];
  const samples = await Promise.all(specs.map((spec) => sampleStats(path.join(stagingDir, spec.file), opts.sampleRows ?? 2_000)));
  const concealed = await countConcealed(samples.map((s) => s.upns));
  const stats = samples.map((s, i) => ({ ...s.stats, concealedRows: concealed[i]! }));
  return verdictFrom(stats, {
    threshold: opts.threshold ?? DEFAULT_CONCEALED_THRESHOLD,
    freshnessDays: opts.freshnessDays ?? DEFAULT_SETTINGS.freshnessDays,
    snapshotDate: opts.snapshotDate ?? manifest?.snapshotDate ?? todayUtc(),
    displayConcealedNames: opts.displayConcealedNames ?? manifest?.reportSettings?.displayConcealedNames,
  });
}
