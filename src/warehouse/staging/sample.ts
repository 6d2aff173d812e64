// A quick verdict from the first rows of each staged report (csv-parse, streaming, stops early): what the
// pipeline's detect step shows while the load, which computes the verdict over every row, is still ahead.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { DEFAULT_CONCEALED_THRESHOLD, verdictFrom, type DetectOptions } from './anonymization';
import { COPILOT_USAGE_REPORT, REPORTS } from '../../shared/staging-contract';
import { fromCsvParse } from './row-errors';
import { readManifest, todayUtc } from './manifest';
import type { ReportStats } from './stage';
import { DEFAULT_SETTINGS, type AnonymizationVerdict } from '../types';

/** Same rule as the load's SQL (CONCEALED_UPN_SQL): MD5-style hex, or the short-lived `<PII:…>` form. */
const isConcealedUpn = (upn: string): boolean => /^[0-9A-Fa-f]{32}$/.test(upn) || upn.startsWith('<PII:');

async function sampleStats(file: string, rows: number): Promise<ReportStats> {
  const stream = createReadStream(file);
  const parser = stream.pipe(parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim()), relax_column_count: true, skip_empty_lines: true, to_line: rows + 1 }));
  const stats: ReportStats = { rows: 0, concealedRows: 0, matched: 0, refreshDate: null };
  try {
    for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
      stats.rows += 1;
      if (isConcealedUpn(row['User Principal Name'] ?? '')) stats.concealedRows += 1;
      const refresh = row['Report Refresh Date'];
      if (refresh && (!stats.refreshDate || refresh > stats.refreshDate)) stats.refreshDate = refresh;
    }
  } catch (err) {
    // csv-parse's error keeps the raw row: report file and line only.
    throw fromCsvParse(err, file);
  } finally {
    stream.destroy();
  }
  return stats;
}

/** The verdict over the first `sampleRows` rows of each report; `matchedToRoster` is 0 (the load counts it). */
export async function sampleAnonymization(stagingDir: string, opts: DetectOptions & { sampleRows?: number } = {}): Promise<AnonymizationVerdict> {
  const manifest = readManifest(stagingDir);
  // The Copilot report counts like the others when the run staged it (its names are concealed the same way).
  const specs = [...REPORTS, ...(existsSync(path.join(stagingDir, COPILOT_USAGE_REPORT.file)) ? [COPILOT_USAGE_REPORT] : [])];
  const stats = await Promise.all(specs.map((spec) => sampleStats(path.join(stagingDir, spec.file), opts.sampleRows ?? 2_000)));
  return verdictFrom(stats, {
    threshold: opts.threshold ?? DEFAULT_CONCEALED_THRESHOLD,
    freshnessDays: opts.freshnessDays ?? DEFAULT_SETTINGS.freshnessDays,
    snapshotDate: opts.snapshotDate ?? manifest?.snapshotDate ?? todayUtc(),
    displayConcealedNames: opts.displayConcealedNames ?? manifest?.reportSettings?.displayConcealedNames,
  });
}
