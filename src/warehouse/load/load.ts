// Loads one staging directory: the day's Parquet partitions (roster changes, reports as sent), then one
// transaction that makes them current, replaces that (tenant, snapshot_date)'s metadata, updates the current-state
// tables and marks the tenant's marts due (publish recomputes them). Loading the same day again replaces it; older
// days are never rewritten.
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { concealedMessage, DEFAULT_CONCEALED_THRESHOLD, verdictFrom } from '../staging/anonymization';
import { withWriter } from '../db/handles';
import { activitySummarySql, registerDayFiles, syncCurrentState, writeDayFiles, type DayFiles } from '../history/day';
import { emptyRoster, rosterColumns } from '../history/roster';
import { stageFile, type StagedFile } from '../history/files';
import { collectGarbage } from '../history/gc';
import { columnNames, historyRootFor } from '../history/layout';
import { applyRetention } from '../history/retention';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';
import { ACTIVE_SERVICES, REPORTS } from '../../shared/staging-contract';
import { reportSelect, validateReport } from '../staging/reports';
import { copilotConcealedNote, copilotConcealment, copilotSuspiciousSql, insertCopilotActivity, insertSubscriptions, validateCopilotReport } from './spend';
import { insertRun } from '../records/runs';
import { HAS_SIGN_IN, signInLoaded, signInNote, signInTime } from './sign-in-activity';
import { readSettings } from '../admin/settings';
import { sqlString } from '../db/sql';
import { checkRequiredUserFields, reportStats, stageSkus, stagedUsersSql } from '../staging/stage';
import { fromDuckDbRead } from '../staging/row-errors';
import { resolveIdentity } from '../staging/manifest';
import { verifyStagedFiles } from '../staging/verify';
import { DEFAULT_HISTORY_DAYS, type AnonymizationVerdict, type LoadCounts, type LoadOptions, type LoadResult } from '../types';

type Step = (name: string, ms: number) => void;
let step: Step = () => undefined;

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await fn();
  step(name, performance.now() - t);
  return out;
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<unknown> {
  return (await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? null;
}

export async function loadStagingDir(opts: LoadOptions): Promise<LoadResult> {
  const id = resolveIdentity(opts.stagingDir, opts);
  const [active, email] = await Promise.all(REPORTS.map((s) => validateReport(opts.stagingDir, s)));
  const root = historyRootFor(opts.workDbPath);
  const copilot = await validateCopilotReport(opts.stagingDir);
  const t = sqlString(id.tenantId);
  const d = `DATE ${sqlString(id.snapshotDate)}`;

  return withWriter(opts.workDbPath, async (conn) => {
    const settings = await readSettings(conn, id.tenantId);
    let inTransaction = false;
    const scratch: StagedFile[] = [];
    const stage = async (name: string, sql: string) => {
      const f = await stageFile(conn, root, id.tenantId, name, sql);
      scratch.push(f);
      return f;
    };
    step = opts.onStep ?? (() => undefined);
    // Checksums are read while DuckDB stages (its own threads); nothing is written to the history before they agree.
    const verified = verifyStagedFiles(opts.stagingDir, id.manifest?.files ?? []);
    verified.catch(() => undefined);
    try {
      await timed('collect garbage', () => collectGarbage(conn, root, id.tenantId, opts.publishedPath));
      // Staged data goes to scratch Parquet files, not memory: the writer's RSS stays flat with tenant size.
      const stgUsers = await timed('stage users', () => stage('stg_users', stagedUsersSql(opts.stagingDir)));
      await timed('check users', () => checkRequiredUserFields(conn, parquet(stgUsers)));
      const signIn = await timed('sign-ins present', () => signInLoaded(conn, id.manifest?.signInActivity, parquet(stgUsers)));
      const users = await timed('stage roster', () => stage('new_users', rosterSql('users', parquet(stgUsers))));
      const assignments = await timed('stage assignments', () => stage('new_license_assignments', rosterSql('license_assignments', parquet(stgUsers))));
      rmSync(stgUsers.file, { force: true });
      await timed('stage skus', async () => {
        await stageSkus(conn, opts.stagingDir);
        await conn.run(`CREATE OR REPLACE TEMP TABLE new_skus AS
          SELECT lower(s.skuId) AS sku_id, s.skuPartNumber AS sku_part_number, coalesce(r.product_name, s.skuPartNumber) AS product_name,
                 s.appliesTo AS applies_to, s.capabilityStatus AS capability_status, s.prepaidUnits.enabled AS prepaid_enabled,
                 s.prepaidUnits.suspended AS prepaid_suspended, s.prepaidUnits.warning AS prepaid_warning,
                 s.prepaidUnits.lockedOut AS prepaid_locked_out, s.consumedUnits AS consumed_units, s.accountName AS account_name,
                 s.subscriptionIds AS subscription_ids, s.servicePlans AS service_plans
          FROM stg_skus LEFT JOIN sku_reference r ON r.sku_id = lower(s.skuId)`);
      });
      // UPN -> user id, staged once for both reports and the Copilot report: aggregated inside each report's staging,
      // its hash table stayed alive beside the report's rows (at 1M users, the writer's peak memory).
      const upnMap = parquet(
        await timed('stage UPN map', () =>
          stage('upn_map', `SELECT lower(user_principal_name) AS upn_lower, any_value(user_id) AS user_id FROM ${parquet(users)} GROUP BY 1`),
        ),
      );
      // Report rows as sent (in Microsoft's order: sorting them by UPN cost 0.9 s and 250 MB at 1M users, and a scan
      // for one UPN reads a million rows in about 15 ms), matched to the roster on the way in (UPNs are
      // case-insensitive): already the partition files.
      const reports = await timed('stage reports', async () => {
        const out: StagedFile[] = [];
        for (const [table, report] of [['office365_active_user_detail', active!], ['email_activity_user_detail', email!]] as const) {
          out.push(
            await stage(table, `SELECT ${columnNames(table).join(', ')} FROM (SELECT m.user_id, r.* FROM (${reportSelect(report)}) r
              LEFT JOIN ${upnMap} m ON m.upn_lower = lower(r.user_principal_name))`),
          );
        }
        return out as [StagedFile, StagedFile];
      });
      const verdict = await timed('verdict', async () =>
        verdictFrom([await reportStats(conn, parquet(reports[0])), await reportStats(conn, parquet(reports[1]))], {
          threshold: opts.concealedThreshold ?? DEFAULT_CONCEALED_THRESHOLD,
          freshnessDays: settings.freshnessDays,
          snapshotDate: id.snapshotDate,
          displayConcealedNames: id.manifest?.reportSettings?.displayConcealedNames,
        }),
      );
      // The setting reaches each report at its own time: the Copilot report may conceal names while the others do not.
      const copilotAlone = copilot && !verdict.concealed ? await copilotConcealment(conn, copilot, opts.concealedThreshold ?? DEFAULT_CONCEALED_THRESHOLD) : null;
      const copilotHidden = verdict.concealed || (copilotAlone?.concealed ?? false);
      const copilotSuspicious = copilot ? `UNION ALL ${copilotSuspiciousSql(copilot, upnMap, copilotHidden)}` : '';
      const suspicious = await timed('stage unmatched rows', () => stage(
        'suspicious_activity',
        `${suspiciousSql(parquet(reports[0]), parquet(reports[1]), verdict.concealed)} ${copilotSuspicious}`,
      ));
      // Concealed names cannot be matched: no activity for this day, so the marts keep the last good one.
      const activity = verdict.concealed ? null : await timed('stage activity', () => stage('activity', activitySummarySql(parquet(reports[0]), parquet(reports[1]))));
      const counts = await timed('count', () => countStaged(conn, { users, assignments, reports, suspicious, concealed: verdict.concealed }));
      const lastGood = (await scalar(
        conn,
        `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND activity_loaded AND snapshot_date <> ${d}`,
      )) as string | null;

      await timed('verify staged files', () => verified);
      // Files first (a crash here leaves only invisible files), then one transaction makes them the day.
      // The staged users file carries the sign-in times too (one pass over the Graph users); each roster reads its columns.
      const roster = {
        users: `(SELECT ${rosterColumns('users').join(', ')} FROM ${parquet(users)})`,
        license_assignments: parquet(assignments),
        skus: 'new_skus',
        sign_ins: signIn ? `(SELECT ${rosterColumns('sign_ins').join(', ')} FROM ${parquet(users)} WHERE ${HAS_SIGN_IN})` : emptyRoster('sign_ins'),
      };
      const daily = verdict.concealed
        ? { suspicious_activity: suspicious }
        : { office365_active_user_detail: reports[0], email_activity_user_detail: reports[1], suspicious_activity: suspicious };
      const files: DayFiles = await timed('write partitions', () => writeDayFiles(conn, root, id.tenantId, id.snapshotDate, { roster, daily }));
      await conn.run('BEGIN TRANSACTION');
      inTransaction = true;
      await registerDayFiles(conn, id.tenantId, files);
      await conn.run(`DELETE FROM snapshots WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
      // Named columns: later migrations add columns (sign_in_loaded, migration 6).
      await conn.run(`INSERT INTO snapshots (tenant_id, snapshot_date, run_id, loaded_at, activity_loaded, concealed, stale, report_refresh_date, sign_in_loaded)
        VALUES (${t}, ${d}, ${sqlString(id.runId)}, now(), ${!verdict.concealed}, ${verdict.concealed},
        ${verdict.stale}, ${verdict.reportRefreshDate ? `DATE ${sqlString(verdict.reportRefreshDate)}` : 'NULL'}, ${signIn})`);
      // Subscriptions and the Copilot report stay tables (small; see spend.ts). Concealed: no Copilot rows.
      await timed('subscriptions and Copilot', async () => {
        await insertSubscriptions(conn, opts.stagingDir, t, d);
        await insertCopilotActivity(conn, copilotHidden ? null : copilot, upnMap, t, d);
      });
      await timed('current state', () =>
        syncCurrentState(conn, root, id.tenantId, { date: id.snapshotDate, roster, activity: activity ? parquet(activity) : null, increments: files.increments }),
      );
      const status = verdict.concealed ? 'degraded' : 'succeeded';
      const message = [
        verdict.concealed ? concealedMessage(verdict, id.snapshotDate, lastGood) : summary(id.tenantId, id.snapshotDate, counts, verdict, settings.freshnessDays),
        copilotAlone?.concealed ? copilotConcealedNote(copilotAlone) : '',
        signInNote(id.manifest?.signInActivity, signIn, verdict.concealed),
      ].filter(Boolean).join(' ');
      await insertRun(conn, {
        runId: id.runId,
        tenantId: id.tenantId,
        snapshotDate: id.snapshotDate,
        status,
        message,
        startedAt: id.startedAt,
        counts,
        reportRefreshDate: verdict.reportRefreshDate,
        concealed: verdict.concealed,
        concealedRatio: verdict.ratio,
        stale: verdict.stale,
      });
      // The marts follow at publish (refreshDueMarts), in their own transaction: the load only lands the day.
      await markMartsDue(conn, id.tenantId);
      await timed('commit', () => conn.run('COMMIT'));
      inTransaction = false;
      await timed('retention', () => retain(conn, root, id.tenantId, opts.historyDays ?? DEFAULT_HISTORY_DAYS));
      return { runId: id.runId, tenantId: id.tenantId, snapshotDate: id.snapshotDate, status, message, counts, verdict };
    } catch (err) {
      if (inTransaction) await conn.run('ROLLBACK');
      // A broken staged row fails once, naming file, line and column, never its values.
      throw fromDuckDbRead(err, opts.stagingDir, [active!, email!]);
    } finally {
      await conn.run('DROP TABLE IF EXISTS temp.new_skus');
      await conn.run('DROP TABLE IF EXISTS temp.stg_skus');
      for (const f of scratch) rmSync(f.file, { force: true });
    }
  });
}

const parquet = (f: StagedFile): string => `read_parquet(${sqlString(f.file)})`;

/** Typed roster rows from the staged Graph users (a relation with column u STRUCT); users carry their sign-in times here. */
function rosterSql(table: 'users' | 'license_assignments', stgUsers: string): string {
  if (table === 'users') {
    return `SELECT u.id AS user_id, u.userPrincipalName AS user_principal_name, u.displayName AS display_name, u.mail,
              u.accountEnabled AS account_enabled, u.userType AS user_type, try_cast(u.createdDateTime AS TIMESTAMPTZ) AS created_at,
              u.department, u.jobTitle AS job_title, u.usageLocation AS usage_location,
              ${signInTime('lastSignInDateTime')} AS last_sign_in_at, ${signInTime('lastNonInteractiveSignInDateTime')} AS last_non_interactive_sign_in_at,
              ${signInTime('lastSuccessfulSignInDateTime')} AS last_successful_sign_in_at
            FROM ${stgUsers}`;
  }
  // licenseAssignmentStates says direct (assignedByGroup null) or inherited; a user without states but with
  // assignedLicenses (property not selected) counts as direct.
  return `SELECT user_id, lower(s.skuId) AS sku_id, s.assignedByGroup AS assigned_by_group, s.state, s.error, s.disabledPlans AS disabled_plans,
            try_cast(s.lastUpdatedDateTime AS TIMESTAMPTZ) AS last_updated_at
          FROM (SELECT u.id AS user_id, unnest(u.licenseAssignmentStates) AS s FROM ${stgUsers})
          UNION ALL
          SELECT user_id, lower(a.skuId), NULL, NULL, NULL, a.disabledPlans, NULL
          FROM (SELECT u.id AS user_id, unnest(u.assignedLicenses) AS a FROM ${stgUsers} WHERE len(coalesce(u.licenseAssignmentStates, [])) = 0)`;
}

/** Report rows not matched to the roster; on a concealed day every row (nothing can be matched). */
function suspiciousSql(active: string, email: string, concealed: boolean): string {
  const reason = concealed ? `'concealed'` : `CASE WHEN coalesce(is_deleted, false) THEN 'deleted_user' ELSE 'unknown_user' END`;
  const where = concealed ? 'true' : 'coalesce(is_deleted, false) OR user_id IS NULL';
  const activeLast = `greatest(${ACTIVE_SERVICES.map(([s]) => `${s}_last_activity_date`).join(', ')})`;
  return `SELECT 'getOffice365ActiveUserDetail' AS report, user_principal_name, display_name, ${reason} AS reason, ${activeLast} AS last_activity_date,
            is_deleted, deleted_date, report_refresh_date FROM ${active} WHERE ${where}
          UNION ALL
          SELECT 'getEmailActivityUserDetail', user_principal_name, display_name, ${reason}, last_activity_date,
            is_deleted, deleted_date, report_refresh_date FROM ${email} WHERE ${where}`;
}

async function countStaged(
  conn: DuckDBConnection,
  s: { users: StagedFile; assignments: StagedFile; reports: [StagedFile, StagedFile]; suspicious: StagedFile; concealed: boolean },
): Promise<LoadCounts> {
  const matched = `user_id IS NOT NULL AND NOT coalesce(is_deleted, false)`;
  const row = (await conn.runAndReadAll(`SELECT
      (SELECT count(DISTINCT user_id) FROM ${parquet(s.assignments)})::BIGINT,
      (SELECT count(*) FROM new_skus)::BIGINT,
      (SELECT ${ACTIVE_SERVICES.length} * count(*) FILTER (WHERE ${matched}) FROM ${parquet(s.reports[0])})::BIGINT
        + (SELECT count(*) FILTER (WHERE ${matched}) FROM ${parquet(s.reports[1])})::BIGINT`)).getRowsJson()[0]!.map(Number);
  const [licensedUsers, skus, activityRows] = row as [number, number, number];
  return {
    users: s.users.rows,
    licensedUsers,
    skus,
    assignments: s.assignments.rows,
    activityRows: s.concealed ? 0 : activityRows,
    suspiciousRows: s.suspicious.rows,
  };
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
