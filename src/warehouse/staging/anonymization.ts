// Can the activity reports be trusted? Concealed names (Microsoft's default since 2021) and stale refresh dates.
import { createInstance } from '../db/instance';
import { REPORTS } from '../../shared/staging-contract';
import { validateReport } from './reports';
import { readManifest, todayUtc } from './manifest';
import { dropStaging, reportStats, stageReports, stageUsers, type ReportStats } from './stage';
import { DEFAULT_SETTINGS, type AnonymizationVerdict } from '../types';
import type { DuckDBConnection } from '@duckdb/node-api';

export const DEFAULT_CONCEALED_THRESHOLD = 0.5;

export interface DetectOptions {
  /** Share of concealed UPNs above which the report counts as concealed (default 0.5). */
  threshold?: number;
  /** Default: DEFAULT_SETTINGS.freshnessDays. */
  freshnessDays?: number;
  /** The run's date (YYYY-MM-DD) staleness is measured against; default the manifest's, else today UTC. */
  snapshotDate?: string;
  /** Overrides manifest.reportSettings.displayConcealedNames (e.g. from GET /admin/reportSettings). */
  displayConcealedNames?: boolean | null;
}

const daysBetween = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

export function verdictFrom(
  stats: ReportStats[],
  opts: { threshold: number; freshnessDays: number; snapshotDate: string; displayConcealedNames: boolean | null | undefined },
): AnonymizationVerdict {
  const rowsChecked = stats.reduce((n, s) => n + s.rows, 0);
  const concealedRows = stats.reduce((n, s) => n + s.concealedRows, 0);
  const matchedToRoster = stats.reduce((n, s) => n + s.matched, 0);
  const ratio = rowsChecked === 0 ? 0 : concealedRows / rowsChecked;
  const dates = stats
    .map((s) => s.refreshDate)
    .filter((d): d is string => d !== null)
    .sort();
  const reportRefreshDate = dates[0] ?? null;
  const concealed = opts.displayConcealedNames === true || (rowsChecked > 0 && ratio > opts.threshold);
  const stale = reportRefreshDate === null ? rowsChecked > 0 : daysBetween(reportRefreshDate, opts.snapshotDate) > opts.freshnessDays;
  return { concealed, ratio, rowsChecked, matchedToRoster, reportRefreshDate, stale };
}

/** Computes the verdict from the staged temp tables of a connection (used by the load). */
export async function verdictOnStaged(conn: DuckDBConnection, opts: Parameters<typeof verdictFrom>[1]): Promise<AnonymizationVerdict> {
  const stats = [await reportStats(conn, 'stg_active'), await reportStats(conn, 'stg_email')];
  return verdictFrom(stats, opts);
}

/**
 * Standalone verdict for a staging directory (the pipeline's "detect" step), computed in an in-memory DuckDB
 * over every report row. Throws MalformedReportError when a report lacks a required column.
 */
export async function detectAnonymization(stagingDir: string, opts: DetectOptions = {}): Promise<AnonymizationVerdict> {
  const [active, email] = await Promise.all(REPORTS.map((s) => validateReport(stagingDir, s)));
  const manifest = readManifest(stagingDir);
  const instance = await createInstance(':memory:');
  const conn = await instance.connect();
  try {
    await stageUsers(conn, stagingDir);
    await stageReports(conn, active!, email!);
    const verdict = await verdictOnStaged(conn, {
      threshold: opts.threshold ?? DEFAULT_CONCEALED_THRESHOLD,
      freshnessDays: opts.freshnessDays ?? DEFAULT_SETTINGS.freshnessDays,
      snapshotDate: opts.snapshotDate ?? manifest?.snapshotDate ?? todayUtc(),
      displayConcealedNames: opts.displayConcealedNames ?? manifest?.reportSettings?.displayConcealedNames,
    });
    await dropStaging(conn);
    return verdict;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** What the admin must change when reports are concealed; the run's message for a degraded run. */
export function concealedMessage(v: AnonymizationVerdict, snapshotDate: string, lastGoodActivity: string | null): string {
  const share = `${Math.round(v.ratio * 100)}% of ${v.rowsChecked} report rows`;
  return (
    `Usage reports show concealed user names (${share}), so activity cannot be matched to users: ` +
    `no activity was loaded for ${snapshotDate}, and analysts keep seeing the activity snapshot of ${lastGoodActivity ?? '(none yet)'}. ` +
    'To fix it, in the Microsoft 365 admin center go to Settings → Org settings → Services → Reports and clear ' +
    '"Display concealed user, group, and site names in all reports", or PATCH /admin/reportSettings with ' +
    '{"displayConcealedNames": false} using an app granted ReportSettings.ReadWrite.All. ' +
    'Reports take a while to reflect the change (up to 48 hours); later runs pick it up by themselves.'
  );
}
