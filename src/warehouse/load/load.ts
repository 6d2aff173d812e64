// Loads one staging directory: the day's Parquet partitions (roster changes, reports as sent), then one
// transaction that makes them current, replaces that (tenant, snapshot_date)'s metadata, updates the current-state
// tables and marks the tenant's marts due (publish recomputes them). Loading the same day again replaces it; older
// days are never rewritten. Staging the day into scratch files is stage-day.ts.
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { concealedMessage } from '../staging/anonymization';
import { withWriter } from '../db/handles';
import { registerDayFiles, syncCurrentState, writeDayFiles, type DayFiles } from '../history/day';
import { emptyRoster, rosterColumns } from '../history/roster';
import type { StagedFile } from '../history/files';
import { collectGarbage } from '../history/gc';
import { historyRootFor } from '../history/layout';
import { applyRetention } from '../history/retention';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';
import { REPORTS } from '../../shared/staging-contract';
import { validateReport } from '../staging/reports';
import { copilotConcealedNote, insertCopilotActivity, insertSubscriptions, validateCopilotReport } from './spend';
import { insertRun } from '../records/runs';
import { HAS_SIGN_IN, signInNote } from './sign-in-activity';
import { readSettings } from '../admin/settings';
import { sqlString } from '../db/sql';
import { fromDuckDbRead } from '../staging/row-errors';
import { resolveIdentity } from '../staging/manifest';
import { verifyStagedFiles } from '../staging/verify';
import { DEFAULT_HISTORY_DAYS, type AnonymizationVerdict, type LoadCounts, type LoadOptions, type LoadResult } from '../types';
import { parquet, startLoadRun, type LoadRun } from './load-run';
import { stageDay, type StagedDay } from './stage-day';

/** The latest other day whose activity was loaded: a concealed day's message points to it. */
async function lastGoodDay(conn: DuckDBConnection, tenantId: string, snapshotDate: string): Promise<string | null> {
  const sql = `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${sqlString(tenantId)} AND activity_loaded AND snapshot_date <> DATE ${sqlString(snapshotDate)}`;
  return ((await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? null) as string | null;
}

export async function loadStagingDir(opts: LoadOptions): Promise<LoadResult> {
  const id = resolveIdentity(opts.stagingDir, opts);
  const [active, email] = await Promise.all(REPORTS.map((s) => validateReport(opts.stagingDir, s)));
  const root = historyRootFor(opts.workDbPath);
  const copilot = await validateCopilotReport(opts.stagingDir);

  return withWriter(opts.workDbPath, async (conn) => {
    const settings = await readSettings(conn, id.tenantId);
    const scratch: StagedFile[] = [];
    const load = startLoadRun(conn, opts, id, settings, root, scratch);
    // Checksums are read while DuckDB stages (its own threads); nothing is written to the history before they agree.
    const verified = verifyStagedFiles(opts.stagingDir, id.manifest?.files ?? []);
    verified.catch(() => undefined);
    try {
      await load.timed('collect garbage', () => collectGarbage(conn, root, id.tenantId, opts.publishedPath));
      const day = await stageDay(load, { active: active!, email: email!, copilot });
      const lastGood = await lastGoodDay(conn, id.tenantId, id.snapshotDate);
      await load.timed('verify staged files', () => verified);
      const result = await landDay(load, day, lastGood);
      await load.timed('retention', () => retain(conn, root, id.tenantId, opts.historyDays ?? DEFAULT_HISTORY_DAYS));
      return result;
    } catch (err) {
      // A broken staged row fails once, naming file, line and column, never its values.
      throw fromDuckDbRead(err, opts.stagingDir, [active!, email!]);
    } finally {
      await conn.run('DROP TABLE IF EXISTS temp.new_skus');
      await conn.run('DROP TABLE IF EXISTS temp.stg_skus');
      for (const f of scratch) rmSync(f.file, { force: true });
    }
  });
}

/**
 * Files first (a crash here leaves only invisible files), then one transaction makes them the day: its partitions,
 * snapshot row, spend tables, current state, run record and the marts marked due. Rolled back on any failure.
 */
async function landDay(load: LoadRun, day: StagedDay, lastGood: string | null): Promise<LoadResult> {
  const { conn, opts, id, root, timed } = load;
  const { verdict } = day;
  const t = sqlString(id.tenantId);
  const d = `DATE ${sqlString(id.snapshotDate)}`;
  // The staged users file carries the sign-in times too (one pass over the Graph users); each roster reads its columns.
  const roster = {
    users: `(SELECT ${rosterColumns('users').join(', ')} FROM ${parquet(day.users)})`,
    license_assignments: parquet(day.assignments),
    skus: 'new_skus',
    sign_ins: day.signIn ? `(SELECT ${rosterColumns('sign_ins').join(', ')} FROM ${parquet(day.users)} WHERE ${HAS_SIGN_IN})` : emptyRoster('sign_ins'),
  };
  const daily = verdict.concealed
    ? { suspicious_activity: day.suspicious }
    : { office365_active_user_detail: day.reports[0], email_activity_user_detail: day.reports[1], suspicious_activity: day.suspicious };
  const files: DayFiles = await timed('write partitions', () => writeDayFiles(conn, root, id.tenantId, id.snapshotDate, { roster, daily }));
  await conn.run('BEGIN TRANSACTION');
  try {
    await registerDayFiles(conn, id.tenantId, files);
    await conn.run(`DELETE FROM snapshots WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
    // Named columns: later migrations add columns (sign_in_loaded, migration 6).
    await conn.run(`INSERT INTO snapshots (tenant_id, snapshot_date, run_id, loaded_at, activity_loaded, concealed, stale, report_refresh_date, sign_in_loaded)
      VALUES (${t}, ${d}, ${sqlString(id.runId)}, now(), ${!verdict.concealed}, ${verdict.concealed},
      ${verdict.stale}, ${verdict.reportRefreshDate ? `DATE ${sqlString(verdict.reportRefreshDate)}` : 'NULL'}, ${day.signIn})`);
    // Subscriptions and the Copilot report stay tables (small; see spend.ts). Concealed: no Copilot rows.
    await timed('subscriptions and Copilot', async () => {
      await insertSubscriptions(conn, opts.stagingDir, t, d);
      await insertCopilotActivity(conn, day.copilotHidden ? null : day.copilot, day.upnMap, t, d);
    });
    await timed('current state', () =>
      syncCurrentState(conn, root, id.tenantId, { date: id.snapshotDate, roster, activity: day.activity ? parquet(day.activity) : null, increments: files.increments }),
    );
    const status = verdict.concealed ? 'degraded' : 'succeeded';
    const message = runMessage(load, day, lastGood);
    await insertRun(conn, {
      runId: id.runId,
      tenantId: id.tenantId,
      snapshotDate: id.snapshotDate,
      status,
      message,
      startedAt: id.startedAt,
      counts: day.counts,
      reportRefreshDate: verdict.reportRefreshDate,
      concealed: verdict.concealed,
      concealedRatio: verdict.ratio,
      stale: verdict.stale,
    });
    // The marts follow at publish (refreshDueMarts), in their own transaction: the load only lands the day.
    await markMartsDue(conn, id.tenantId);
    await timed('commit', () => conn.run('COMMIT'));
    return { runId: id.runId, tenantId: id.tenantId, snapshotDate: id.snapshotDate, status, message, counts: day.counts, verdict };
  } catch (err) {
    await conn.run('ROLLBACK');
    throw err;
  }
}

/** The run's message: the day's summary (or why its activity is concealed), then the Copilot and sign-in notes. */
function runMessage(load: LoadRun, day: StagedDay, lastGood: string | null): string {
  const { id } = load;
  const { verdict } = day;
  return [
    verdict.concealed ? concealedMessage(verdict, id.snapshotDate, lastGood) : summary(id.tenantId, id.snapshotDate, day.counts, verdict, load.settings.freshnessDays),
    day.copilotAlone?.concealed ? copilotConcealedNote(day.copilotAlone) : '',
    signInNote(id.manifest?.signInActivity, day.signIn, verdict.concealed),
  ]
    .filter(Boolean)
    .join(' ');
}

/** Retention after the day is committed; when days were cut, the current state follows (and the marts, at publish). */
async function retain(conn: DuckDBConnection, root: string, tenantId: string, days: number): Promise<void> {
  const { prunedDays } = await applyRetention(conn, root, tenantId, days);
  if (prunedDays.length === 0) return;
  await inTransaction(conn, async () => {
    await syncCurrentState(conn, root, tenantId, null);
    await markMartsDue(conn, tenantId);
  });
}

function summary(tenantId: string, date: string, c: LoadCounts, v: AnonymizationVerdict, freshnessDays: number): string {
  const parts = [
    `Loaded ${tenantId} ${date}: ${c.users} users (${c.licensedUsers} licensed), ${c.skus} SKUs, ${c.assignments} licence assignments, ` +
      `${c.activityRows} service activity rows, ${c.suspiciousRows} unmatched report rows (unknown or deleted users).`,
  ];
  if (v.stale) {
    parts.push(
      v.reportRefreshDate
        ? `Activity data is stale: the reports were last refreshed on ${v.reportRefreshDate}, more than ${freshnessDays} days before ${date}.`
        : 'Activity data is stale: the reports carry no refresh date.',
    );
  }
  return parts.join(' ');
}
