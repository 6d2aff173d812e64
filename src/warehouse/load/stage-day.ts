// The load's first half: the staged day turned into scratch Parquet files (roster, assignments, SKUs, reports
// matched to the roster, unmatched rows, activity) plus the verdict and counts. Nothing here touches the history.
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_CONCEALED_THRESHOLD, verdictFrom } from '../staging/anonymization';
import { activitySummarySql } from '../history/day';
import type { StagedFile } from '../history/files';
import { columnNames } from '../history/layout';
import { ACTIVE_SERVICES } from '../../shared/staging-contract';
import { reportSelect, type ValidatedReport } from '../staging/reports';
import { copilotConcealment, copilotSuspiciousSql } from './spend';
import { signInLoaded, signInTime } from './sign-in-activity';
import { checkRequiredUserFields, reportStats, stageSkus, stagedUsersSql } from '../staging/stage';
import type { AnonymizationVerdict, LoadCounts } from '../types';
import { parquet, type LoadRun } from './load-run';

/** The validated reports of the day (the Copilot report only when it was staged). */
export interface DayReports {
  active: ValidatedReport;
  email: ValidatedReport;
  copilot: ValidatedReport | null;
}

/** Everything the second half (partitions and the transaction) needs from the staged day. */
export interface StagedDay {
  users: StagedFile;
  assignments: StagedFile;
  signIn: boolean;
  upnMap: string;
  reports: [StagedFile, StagedFile];
  verdict: AnonymizationVerdict;
  copilot: ValidatedReport | null;
  copilotAlone: { concealed: boolean; ratio: number; rows: number } | null;
  copilotHidden: boolean;
  suspicious: StagedFile;
  activity: StagedFile | null;
  counts: LoadCounts;
}

export async function stageDay(load: LoadRun, day: DayReports): Promise<StagedDay> {
  const { conn, timed, stage } = load;
  const roster = await stageRoster(load);
  const { upnMap, reports } = await stageReports(load, roster.users, day);
  const threshold = load.opts.concealedThreshold ?? DEFAULT_CONCEALED_THRESHOLD;
  const verdict = await timed('verdict', async () =>
    verdictFrom([await reportStats(conn, parquet(reports[0])), await reportStats(conn, parquet(reports[1]))], {
      threshold,
      freshnessDays: load.settings.freshnessDays,
      snapshotDate: load.id.snapshotDate,
      displayConcealedNames: load.id.manifest?.reportSettings?.displayConcealedNames,
    }),
  );
  const { copilot } = day;
  // The setting reaches each report at its own time: the Copilot report may conceal names while the others do not.
  const copilotAlone = copilot && !verdict.concealed ? await copilotConcealment(conn, copilot, threshold) : null;
  const copilotHidden = verdict.concealed || (copilotAlone?.concealed ?? false);
  const copilotSuspicious = copilot ? `UNION ALL ${copilotSuspiciousSql(copilot, upnMap, copilotHidden)}` : '';
  const suspicious = await timed('stage unmatched rows', () =>
    stage('suspicious_activity', `${suspiciousSql(parquet(reports[0]), parquet(reports[1]), verdict.concealed)} ${copilotSuspicious}`),
  );
  // Concealed names cannot be matched: no activity for this day, so the marts keep the last good one.
  const activity = verdict.concealed ? null : await timed('stage activity', () => stage('activity', activitySummarySql(parquet(reports[0]), parquet(reports[1]))));
  const counts = await timed('count', () => countStaged(conn, { ...roster, reports, suspicious, concealed: verdict.concealed }));
  return { ...roster, upnMap, reports, verdict, copilot, copilotAlone, copilotHidden, suspicious, activity, counts };
}

/** The Graph users staged once, then the roster, the licence assignments and the SKUs read from them. */
async function stageRoster(load: LoadRun): Promise<Pick<StagedDay, 'users' | 'assignments' | 'signIn'>> {
  const { conn, opts, timed, stage } = load;
  // Staged data goes to scratch Parquet files, not memory: the writer's RSS stays flat with tenant size.
  const stgUsers = await timed('stage users', () => stage('stg_users', stagedUsersSql(opts.stagingDir)));
  await timed('check users', () => checkRequiredUserFields(conn, parquet(stgUsers)));
  const signIn = await timed('sign-ins present', () => signInLoaded(conn, load.id.manifest?.signInActivity, parquet(stgUsers)));
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
  return { users, assignments, signIn };
}

/** The UPN map, then both usage reports matched to the roster through it. */
async function stageReports(load: LoadRun, users: StagedFile, day: DayReports): Promise<{ upnMap: string; reports: [StagedFile, StagedFile] }> {
  const { timed, stage } = load;
  // UPN -> user id, staged once for both reports and the Copilot report: aggregated inside each report's staging,
  // its hash table stayed alive beside the report's rows (at 1M users, the writer's peak memory).
  const upnMap = parquet(
    await timed('stage UPN map', () => stage('upn_map', `SELECT lower(user_principal_name) AS upn_lower, any_value(user_id) AS user_id FROM ${parquet(users)} GROUP BY 1`)),
  );
  // Report rows as sent (in Microsoft's order: sorting them by UPN cost 0.9 s and 250 MB at 1M users, and a scan
  // for one UPN reads a million rows in about 15 ms), matched to the roster on the way in (UPNs are
  // case-insensitive): already the partition files.
  const reports = await timed('stage reports', async () => {
    const out: StagedFile[] = [];
    for (const [table, report] of [
      ['office365_active_user_detail', day.active],
      ['email_activity_user_detail', day.email],
    ] as const) {
      out.push(
        await stage(
          table,
          `SELECT ${columnNames(table).join(', ')} FROM (SELECT m.user_id, r.* FROM (${reportSelect(report)}) r
          LEFT JOIN ${upnMap} m ON m.upn_lower = lower(r.user_principal_name))`,
        ),
      );
    }
    return out as [StagedFile, StagedFile];
  });
  return { upnMap, reports };
}

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
  const row = (
    await conn.runAndReadAll(`SELECT
      (SELECT count(DISTINCT user_id) FROM ${parquet(s.assignments)})::BIGINT,
      (SELECT count(*) FROM new_skus)::BIGINT,
      (SELECT ${ACTIVE_SERVICES.length} * count(*) FILTER (WHERE ${matched}) FROM ${parquet(s.reports[0])})::BIGINT
        + (SELECT count(*) FILTER (WHERE ${matched}) FROM ${parquet(s.reports[1])})::BIGINT`)
  )
    .getRowsJson()[0]!
    .map(Number);
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
