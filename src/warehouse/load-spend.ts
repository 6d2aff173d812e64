// The staged inputs of the money views, loaded inside the run's transaction when present (older staging
// directories have neither): subscriptions.json (GET /directory/subscriptions) and the Copilot usage report.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COPILOT_USAGE_REPORT, STAGING_LAYOUT } from '../shared/staging-contract';
import { reportSelect, validateReport, type ValidatedReport } from './reports';
import { sqlString } from './sql';
import { MAX_OBJECT_SIZE } from './stage';

const SUBSCRIPTION_STRUCT = `STRUCT(
  id VARCHAR, commerceSubscriptionId VARCHAR, createdDateTime VARCHAR, isTrial BOOLEAN, nextLifecycleDateTime VARCHAR,
  ownerId VARCHAR, ownerTenantId VARCHAR, ownerType VARCHAR, serviceStatus JSON, skuId VARCHAR, skuPartNumber VARCHAR,
  status VARCHAR, totalLicenses INTEGER)[]`;

/** The staged Copilot report validated (header by name), or null when the run did not stage one. */
export async function validateCopilotReport(stagingDir: string): Promise<ValidatedReport | null> {
  if (!existsSync(path.join(stagingDir, COPILOT_USAGE_REPORT.file))) return null;
  return validateReport(stagingDir, COPILOT_USAGE_REPORT);
}

/** Inserts the snapshot's subscriptions (none when the file is absent). `t`, `d`: SQL literals of tenant and date. */
export async function insertSubscriptions(conn: DuckDBConnection, stagingDir: string, t: string, d: string): Promise<number> {
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

/** Copilot report rows into copilot_activity, matched to the staged roster by UPN (case-insensitive). */
export async function insertCopilotActivity(conn: DuckDBConnection, report: ValidatedReport | null, t: string, d: string): Promise<number> {
  if (!report) return 0;
  const r = await conn.run(`INSERT INTO copilot_activity
    SELECT ${t}, ${d}, m.user_id, r.* FROM (${reportSelect(report)}) r
    LEFT JOIN (SELECT lower(u.userPrincipalName) AS upn_lower, any_value(u.id) AS user_id FROM stg_users GROUP BY 1) m
      ON m.upn_lower = lower(r.user_principal_name)`);
  return Number(r.rowsChanged);
}

/** Copilot report rows not matched to the roster (or all of them when concealed) into suspicious_activity. */
export async function insertCopilotSuspicious(conn: DuckDBConnection, t: string, d: string, concealed: boolean): Promise<number> {
  const r = await conn.run(`INSERT INTO suspicious_activity
    SELECT ${t}, ${d}, 'getMicrosoft365CopilotUsageUserDetail', user_principal_name, display_name,
           ${concealed ? `'concealed'` : `'unknown_user'`}, last_activity_date, NULL, NULL, report_refresh_date
    FROM copilot_activity WHERE tenant_id = ${t} AND snapshot_date = ${d}${concealed ? '' : ' AND user_id IS NULL'}`);
  return Number(r.rowsChanged);
}
