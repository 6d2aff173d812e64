// Loads one staging directory into the working database: one transaction, replacing that (tenant, snapshot_date).
import type { DuckDBConnection } from '@duckdb/node-api';
import { concealedMessage, DEFAULT_CONCEALED_THRESHOLD, verdictFrom } from './anonymization';
import { withWriter } from './db';
import { ACTIVE_SERVICES, REPORTS } from '../shared/staging-contract';
import { reportSelect, validateReport } from './reports';
import { insertCopilotActivity, insertCopilotSuspicious, insertSubscriptions, validateCopilotReport } from './load-spend';
import { insertRun } from './runs';
import { signInLoaded, signInNote, signInTime } from './sign-in';
import { readSettings } from './settings';
import { sqlString } from './sql';
import { dropStaging, reportStats, stageSkus, stageUsers, type ReportStats } from './stage';
import { fromDuckDbRead } from './row-errors';
import { resolveIdentity } from './staging';
import type { AnonymizationVerdict, LoadCounts, LoadOptions, LoadResult } from './types';

/** Tables holding one snapshot per (tenant_id, snapshot_date); replaced as a whole on reload. */
const REPORT_TABLES = ['office365_active_user_detail', 'email_activity_user_detail', 'copilot_activity'] as const;
const SNAPSHOT_TABLES = ['users', 'skus', 'license_assignments', 'subscriptions', ...REPORT_TABLES, 'suspicious_activity', 'snapshots'] as const;

type Step = (name: string, ms: number) => void;
let step: Step = () => undefined;

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await fn();
  step(name, performance.now() - t);
  return out;
}

async function changed(conn: DuckDBConnection, sql: string, name = 'insert'): Promise<number> {
  return timed(name, async () => Number((await conn.run(sql)).rowsChanged));
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<unknown> {
  return (await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? null;
}

export async function loadStagingDir(opts: LoadOptions): Promise<LoadResult> {
  const id = resolveIdentity(opts.stagingDir, opts);
  const [active, email] = await Promise.all(REPORTS.map((s) => validateReport(opts.stagingDir, s)));
  const copilot = await validateCopilotReport(opts.stagingDir);
  const t = sqlString(id.tenantId);
  const d = `DATE ${sqlString(id.snapshotDate)}`;

  return withWriter(opts.workDbPath, async (conn) => {
    const settings = await readSettings(conn, id.tenantId);
    let inTransaction = false;
    step = opts.onStep ?? (() => undefined);
    try {
      await timed('stage users', () => stageUsers(conn, opts.stagingDir));
      await timed('stage skus', () => stageSkus(conn, opts.stagingDir));
      const lastGood = (await scalar(
        conn,
        `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND activity_loaded AND snapshot_date <> ${d}`,
      )) as string | null;

      await conn.run('BEGIN TRANSACTION');
      inTransaction = true;
      await timed('delete snapshot', async () => {
        for (const table of SNAPSHOT_TABLES) await conn.run(`DELETE FROM ${table} WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
      });
      const roster = await insertRoster(conn, t, d);
      // Report rows go straight from the staged CSV into their typed tables, matched to the roster on the way.
      const upnMap = `(SELECT lower(u.userPrincipalName) AS upn_lower, any_value(u.id) AS user_id FROM stg_users GROUP BY 1)`;
      let activityRows = 0;
      for (const [table, report] of [['office365_active_user_detail', active!], ['email_activity_user_detail', email!]] as const) {
        activityRows += await changed(
          conn,
          `INSERT INTO ${table} SELECT ${t}, ${d}, m.user_id, r.* FROM (${reportSelect(report)}) r
           LEFT JOIN ${upnMap} m ON m.upn_lower = lower(r.user_principal_name)`,
          table,
        );
      }
      await insertSubscriptions(conn, opts.stagingDir, t, d);
      await insertCopilotActivity(conn, copilot, t, d);
      const verdict = await timed('verdict', () =>
        verdictOnTables(conn, t, d, {
          threshold: opts.concealedThreshold ?? DEFAULT_CONCEALED_THRESHOLD,
          freshnessDays: settings.freshnessDays,
          snapshotDate: id.snapshotDate,
          displayConcealedNames: id.manifest?.reportSettings?.displayConcealedNames,
        }),
      );
      const suspiciousRows = (await insertSuspicious(conn, t, d, verdict.concealed)) + (await insertCopilotSuspicious(conn, t, d, verdict.concealed));
      if (verdict.concealed) {
        // Concealed names cannot be matched: keep no activity for this snapshot, so views keep the last good one.
        for (const table of REPORT_TABLES) await conn.run(`DELETE FROM ${table} WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
        activityRows = 0;
      } else {
        activityRows = Number(
          await scalar(conn, `SELECT count(*) FROM service_activity WHERE tenant_id = ${t} AND snapshot_date = ${d}`),
        );
      }
      const counts: LoadCounts = { ...roster, activityRows, suspiciousRows };
      const signIn = await signInLoaded(conn, id.manifest?.signInActivity);
      await conn.run(`INSERT INTO snapshots VALUES (${t}, ${d}, ${sqlString(id.runId)}, now(), ${!verdict.concealed}, ${verdict.concealed},
        ${verdict.stale}, ${verdict.reportRefreshDate ? `DATE ${sqlString(verdict.reportRefreshDate)}` : 'NULL'}, ${signIn})`);
      const status = verdict.concealed ? 'degraded' : 'succeeded';
      const message = [
        verdict.concealed ? concealedMessage(verdict, id.snapshotDate, lastGood) : summary(id.tenantId, id.snapshotDate, counts, verdict, settings.freshnessDays),
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
      await timed('commit', () => conn.run('COMMIT'));
      inTransaction = false;
      return { runId: id.runId, tenantId: id.tenantId, snapshotDate: id.snapshotDate, status, message, counts, verdict };
    } catch (err) {
      if (inTransaction) await conn.run('ROLLBACK');
      // A broken staged row fails once, naming file, line and column, never its values.
      throw fromDuckDbRead(err, opts.stagingDir, [active!, email!]);
    } finally {
      await dropStaging(conn);
    }
  });
}

async function insertRoster(conn: DuckDBConnection, t: string, d: string): Promise<Omit<LoadCounts, 'activityRows' | 'suspiciousRows'>> {
  const users = await changed(
    conn,
    `INSERT INTO users SELECT ${t}, ${d}, u.id, u.userPrincipalName, u.displayName, u.mail, u.accountEnabled, u.userType,
       try_cast(u.createdDateTime AS TIMESTAMPTZ), u.department, u.jobTitle, u.usageLocation,
       ${signInTime('lastSignInDateTime')}, ${signInTime('lastNonInteractiveSignInDateTime')}, ${signInTime('lastSuccessfulSignInDateTime')}
     FROM stg_users`,
    'users',
  );
  const skus = await changed(
    conn,
    `INSERT INTO skus SELECT ${t}, ${d}, lower(s.skuId), s.skuPartNumber, coalesce(r.product_name, s.skuPartNumber), s.appliesTo,
       s.capabilityStatus, s.prepaidUnits.enabled, s.prepaidUnits.suspended, s.prepaidUnits.warning, s.prepaidUnits.lockedOut,
       s.consumedUnits, s.accountName, s.subscriptionIds, s.servicePlans
     FROM stg_skus LEFT JOIN sku_reference r ON r.sku_id = lower(s.skuId)`,
    'skus',
  );
  // licenseAssignmentStates says direct (assignedByGroup null) or inherited; a user without states but with
  // assignedLicenses (property not selected) counts as direct.
  const assignments = await changed(
    conn,
    `INSERT INTO license_assignments
     SELECT ${t}, ${d}, user_id, lower(s.skuId), s.assignedByGroup, s.state, s.error, s.disabledPlans,
            try_cast(s.lastUpdatedDateTime AS TIMESTAMPTZ)
       FROM (SELECT u.id AS user_id, unnest(u.licenseAssignmentStates) AS s FROM stg_users)
     UNION ALL
     SELECT ${t}, ${d}, user_id, lower(a.skuId), NULL, NULL, NULL, a.disabledPlans, NULL
       FROM (SELECT u.id AS user_id, unnest(u.assignedLicenses) AS a FROM stg_users WHERE len(coalesce(u.licenseAssignmentStates, [])) = 0)`,
    'license_assignments',
  );
  const licensedUsers = Number(
    await scalar(
      conn,
      `SELECT count(*) FROM stg_users WHERE len(coalesce(u.licenseAssignmentStates, [])) > 0 OR len(coalesce(u.assignedLicenses, [])) > 0`,
    ),
  );
  return { users, licensedUsers, skus, assignments };
}

async function verdictOnTables(
  conn: DuckDBConnection,
  t: string,
  d: string,
  opts: Parameters<typeof verdictFrom>[1],
): Promise<AnonymizationVerdict> {
  const stats: ReportStats[] = [];
  for (const table of REPORT_TABLES) stats.push(await reportStats(conn, `${table} WHERE tenant_id = ${t} AND snapshot_date = ${d}`));
  return verdictFrom(stats, opts);
}

async function insertSuspicious(conn: DuckDBConnection, t: string, d: string, concealed: boolean): Promise<number> {
  const reason = concealed ? `'concealed'` : `CASE WHEN coalesce(is_deleted, false) THEN 'deleted_user' ELSE 'unknown_user' END`;
  const where = `tenant_id = ${t} AND snapshot_date = ${d}` + (concealed ? '' : ' AND (coalesce(is_deleted, false) OR user_id IS NULL)');
  const activeLast = `greatest(${ACTIVE_SERVICES.map(([s]) => `${s}_last_activity_date`).join(', ')})`;
  return changed(
    conn,
    `INSERT INTO suspicious_activity
     SELECT ${t}, ${d}, 'getOffice365ActiveUserDetail', user_principal_name, display_name, ${reason}, ${activeLast},
            is_deleted, deleted_date, report_refresh_date FROM office365_active_user_detail WHERE ${where}
     UNION ALL
     SELECT ${t}, ${d}, 'getEmailActivityUserDetail', user_principal_name, display_name, ${reason}, last_activity_date,
            is_deleted, deleted_date, report_refresh_date FROM email_activity_user_detail WHERE ${where}`,
    'suspicious_activity',
  );
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
