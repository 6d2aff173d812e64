// Loads one staging directory into the working database: one transaction, replacing that (tenant, snapshot_date).
import type { DuckDBConnection } from '@duckdb/node-api';
import { concealedMessage, DEFAULT_CONCEALED_THRESHOLD, verdictOnStaged } from './anonymization';
import { withWriter } from './db';
import { ACTIVE_SERVICES, REPORTS, validateReport } from './reports';
import { insertRun } from './runs';
import { readSettings } from './settings';
import { sqlString } from './sql';
import { dropStaging, stageReports, stageSkus, stageUsers } from './stage';
import { resolveIdentity } from './staging';
import type { AnonymizationVerdict, LoadCounts, LoadOptions, LoadResult } from './types';

/** Tables holding one snapshot per (tenant_id, snapshot_date); replaced as a whole on reload. */
const SNAPSHOT_TABLES = ['users', 'skus', 'license_assignments', 'service_activity', 'suspicious_activity', 'snapshots'] as const;

async function changed(conn: DuckDBConnection, sql: string): Promise<number> {
  return Number((await conn.run(sql)).rowsChanged);
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<unknown> {
  return (await conn.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? null;
}

export async function loadStagingDir(opts: LoadOptions): Promise<LoadResult> {
  const id = resolveIdentity(opts.stagingDir, opts);
  const [active, email] = await Promise.all(REPORTS.map((s) => validateReport(opts.stagingDir, s)));
  const t = sqlString(id.tenantId);
  const d = `DATE ${sqlString(id.snapshotDate)}`;

  return withWriter(opts.workDbPath, async (conn) => {
    const settings = await readSettings(conn, id.tenantId);
    let inTransaction = false;
    try {
      await stageUsers(conn, opts.stagingDir);
      await stageSkus(conn, opts.stagingDir);
      await stageReports(conn, active!, email!);
      const verdict = await verdictOnStaged(conn, {
        threshold: opts.concealedThreshold ?? DEFAULT_CONCEALED_THRESHOLD,
        freshnessDays: settings.freshnessDays,
        snapshotDate: id.snapshotDate,
        displayConcealedNames: id.manifest?.reportSettings?.displayConcealedNames,
      });
      const lastGood = (await scalar(
        conn,
        `SELECT max(snapshot_date)::VARCHAR FROM snapshots WHERE tenant_id = ${t} AND activity_loaded AND snapshot_date <> ${d}`,
      )) as string | null;

      await conn.run('BEGIN TRANSACTION');
      inTransaction = true;
      for (const table of SNAPSHOT_TABLES) await conn.run(`DELETE FROM ${table} WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
      const counts = await insertSnapshot(conn, t, d, verdict);
      await conn.run(`INSERT INTO snapshots VALUES (${t}, ${d}, ${sqlString(id.runId)}, now(), ${!verdict.concealed}, ${verdict.concealed},
        ${verdict.stale}, ${verdict.reportRefreshDate ? `DATE ${sqlString(verdict.reportRefreshDate)}` : 'NULL'})`);
      const status = verdict.concealed ? 'degraded' : 'succeeded';
      const message = verdict.concealed
        ? concealedMessage(verdict, id.snapshotDate, lastGood)
        : summary(id.tenantId, id.snapshotDate, counts, verdict, settings.freshnessDays);
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
      await conn.run('COMMIT');
      inTransaction = false;
      return { runId: id.runId, tenantId: id.tenantId, snapshotDate: id.snapshotDate, status, message, counts, verdict };
    } catch (err) {
      if (inTransaction) await conn.run('ROLLBACK');
      throw err;
    } finally {
      await dropStaging(conn);
    }
  });
}

async function insertSnapshot(conn: DuckDBConnection, t: string, d: string, verdict: AnonymizationVerdict): Promise<LoadCounts> {
  const users = await changed(
    conn,
    `INSERT INTO users SELECT ${t}, ${d}, u.id, u.userPrincipalName, u.displayName, u.mail, u.accountEnabled, u.userType,
       try_cast(u.createdDateTime AS TIMESTAMPTZ), u.department, u.jobTitle, u.usageLocation FROM stg_users`,
  );
  const skus = await changed(
    conn,
    `INSERT INTO skus SELECT ${t}, ${d}, lower(s.skuId), s.skuPartNumber, coalesce(r.product_name, s.skuPartNumber), s.appliesTo,
       s.capabilityStatus, s.prepaidUnits.enabled, s.prepaidUnits.suspended, s.prepaidUnits.warning, s.prepaidUnits.lockedOut,
       s.consumedUnits, s.accountName, s.subscriptionIds, s.servicePlans
     FROM stg_skus LEFT JOIN sku_reference r ON r.sku_id = lower(s.skuId)`,
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
  );
  const licensedUsers = Number(
    await scalar(conn, `SELECT count(DISTINCT user_id) FROM license_assignments WHERE tenant_id = ${t} AND snapshot_date = ${d}`),
  );

  let activityRows = 0;
  if (!verdict.concealed) {
    const usable = 'user_id IS NOT NULL AND NOT coalesce(is_deleted, false)';
    const parts = ACTIVE_SERVICES.map(
      ([s]) => `SELECT ${t}, ${d}, user_id, user_principal_name, '${s}', ${s}_has_license, ${s}_last_activity_date,
                       ${s}_license_assign_date, report_refresh_date FROM stg_active WHERE ${usable}`,
    );
    parts.push(`SELECT ${t}, ${d}, user_id, user_principal_name, 'outlook', NULL, last_activity_date, NULL, report_refresh_date
                FROM stg_email WHERE ${usable}`);
    activityRows = await changed(conn, `INSERT INTO service_activity ${parts.join(' UNION ALL ')}`);
  }

  const reason = verdict.concealed
    ? `'concealed'`
    : `CASE WHEN coalesce(is_deleted, false) THEN 'deleted_user' ELSE 'unknown_user' END`;
  const suspiciousWhere = verdict.concealed ? 'true' : 'coalesce(is_deleted, false) OR user_id IS NULL';
  const activeLast = `greatest(${ACTIVE_SERVICES.map(([s]) => `${s}_last_activity_date`).join(', ')})`;
  const suspiciousRows = await changed(
    conn,
    `INSERT INTO suspicious_activity
     SELECT ${t}, ${d}, 'getOffice365ActiveUserDetail', user_principal_name, display_name, ${reason}, ${activeLast},
            is_deleted, deleted_date, report_refresh_date FROM stg_active WHERE ${suspiciousWhere}
     UNION ALL
     SELECT ${t}, ${d}, 'getEmailActivityUserDetail', user_principal_name, display_name, ${reason}, last_activity_date,
            is_deleted, deleted_date, report_refresh_date FROM stg_email WHERE ${suspiciousWhere}`,
  );
  return { users, licensedUsers, skus, assignments, activityRows, suspiciousRows };
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
