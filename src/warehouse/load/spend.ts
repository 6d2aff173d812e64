// The staged inputs of the money views, loaded inside the run's transaction when present (older staging
// directories have neither): subscriptions.json (GET /directory/subscriptions) and the Copilot usage report.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COPILOT_USAGE_REPORT, STAGING_LAYOUT } from '../../shared/staging-contract';
import { reportSelect, validateReport, type ValidatedReport } from '../staging/reports';
import { sqlString } from '../db/sql';
import { CONCEALED_UPN_SQL, MAX_OBJECT_SIZE } from '../staging/stage';

const SUBSCRIPTION_STRUCT = `STRUCT(
  id VARCHAR, commerceSubscriptionId VARCHAR, createdDateTime VARCHAR, isTrial BOOLEAN, nextLifecycleDateTime VARCHAR,
  ownerId VARCHAR, ownerTenantId VARCHAR, ownerType VARCHAR, serviceStatus JSON, skuId VARCHAR, skuPartNumber VARCHAR,
  status VARCHAR, totalLicenses INTEGER)[]`;

/** The staged Copilot report validated (header by name), or null when the run did not stage one. */
export async function validateCopilotReport(stagingDir: string): Promise<ValidatedReport | null> {
  if (!existsSync(path.join(stagingDir, COPILOT_USAGE_REPORT.file))) return null;
  return validateReport(stagingDir, COPILOT_USAGE_REPORT);
}

/**
 * Replaces the snapshot's subscriptions (none when the file is absent). `t`, `d`: SQL literals of tenant and date.
 * A small table per snapshot, kept in the database rather than the Parquet history (spend reads every day of it).
 */
export async function insertSubscriptions(conn: DuckDBConnection, stagingDir: string, t: string, d: string): Promise<number> {
  await conn.run(`DELETE FROM subscriptions WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
  const file = path.join(stagingDir, STAGING_LAYOUT.subscriptions);
  if (!existsSync(file)) return 0;
  const r = await conn.run(`INSERT INTO subscriptions
    SELECT ${t}, ${d}, s.id, s.commerceSubscriptionId, lower(s.skuId), s.skuPartNumber, s.totalLicenses, s.status, s.isTrial,
           try_cast(s.createdDateTime AS TIMESTAMPTZ), try_cast(s.nextLifecycleDateTime AS TIMESTAMPTZ),
           s.ownerId, s.ownerTenantId, s.ownerType, s.serviceStatus
    FROM (SELECT unnest(value) AS s FROM read_json(${sqlString(file)}, format = 'auto', maximum_object_size = ${MAX_OBJECT_SIZE},
                                                   columns = {'value': ${sqlString(SUBSCRIPTION_STRUCT)}}))`);
  return Number(r.rowsChanged);
}

/**
 * Copilot report rows into copilot_activity (replacing the day's rows), matched to the roster by UPN
 * (case-insensitive) through `upnMap` (a relation of upn_lower, user_id). These rows stay in a table, not in the
 * Parquet history: the report is small (licensed Copilot users only) and only its latest day is read.
 */
export async function insertCopilotActivity(conn: DuckDBConnection, report: ValidatedReport | null, upnMap: string, t: string, d: string): Promise<number> {
  await conn.run(`DELETE FROM copilot_activity WHERE tenant_id = ${t} AND snapshot_date = ${d}`);
  if (!report) return 0;
  const r = await conn.run(`INSERT INTO copilot_activity
    SELECT ${t}, ${d}, m.user_id, r.* FROM (${reportSelect(report)}) r
    LEFT JOIN ${upnMap} m ON m.upn_lower = lower(r.user_principal_name)`);
  return Number(r.rowsChanged);
}

/** Copilot report rows not matched to the roster (or all of them when concealed), shaped like suspicious_activity. */
export function copilotSuspiciousSql(report: ValidatedReport, upnMap: string, concealed: boolean): string {
  return `SELECT 'getMicrosoft365CopilotUsageUserDetail' AS report, r.user_principal_name, r.display_name,
            ${concealed ? `'concealed'` : `'unknown_user'`} AS reason, r.last_activity_date, NULL::BOOLEAN AS is_deleted,
            NULL::DATE AS deleted_date, r.report_refresh_date
          FROM (${reportSelect(report)}) r LEFT JOIN ${upnMap} m ON m.upn_lower = lower(r.user_principal_name)
          WHERE ${concealed ? 'true' : 'm.user_id IS NULL'}`;
}

/** Whether the Copilot report alone conceals names: its share of concealed UPNs, over the concealment threshold. */
export async function copilotConcealment(conn: DuckDBConnection, report: ValidatedReport, threshold: number): Promise<{ concealed: boolean; ratio: number; rows: number }> {
  const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT, count(*) FILTER (WHERE ${CONCEALED_UPN_SQL})::BIGINT FROM (${reportSelect(report)})`);
  const [rows, concealedRows] = (r.getRowsJson()[0] ?? [0, 0]).map(Number) as [number, number];
  const ratio = rows === 0 ? 0 : concealedRows / rows;
  return { concealed: rows > 0 && ratio > threshold, ratio, rows };
}

/** The run's sentence when only the Copilot report conceals names: which report, and what is not inferred from it. */
export function copilotConcealedNote(c: { ratio: number; rows: number }): string {
  return (
    `The Copilot usage report (getMicrosoft365CopilotUsageUserDetail) conceals user names (${Math.round(c.ratio * 100)}% of ${c.rows} rows) ` +
    'while the other reports do not (the setting reaches each report at its own time): its rows are quarantined as concealed in ' +
    'suspicious_activity, and no idle Copilot seats or Copilot savings are inferred from it on this day.'
  );
}
