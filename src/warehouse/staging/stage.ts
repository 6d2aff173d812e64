// Bulk reading of one staging directory into temp tables, all inside DuckDB: one read_json glob over the
// user pages (unnest), typed read_csv for the reports, then matching report rows to the roster by UPN.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { STAGING_LAYOUT, USER_PAGE_GLOB } from '../../shared/staging-contract';
import { StagingError } from '../errors';
import { reportSelect, type ValidatedReport } from './reports';
import { sqlString } from '../db/sql';

const USER_STRUCT = `STRUCT(
  id VARCHAR, userPrincipalName VARCHAR, displayName VARCHAR, mail VARCHAR, accountEnabled BOOLEAN, userType VARCHAR,
  createdDateTime VARCHAR, department VARCHAR, jobTitle VARCHAR, usageLocation VARCHAR,
  assignedLicenses STRUCT(skuId VARCHAR, disabledPlans VARCHAR[])[],
  licenseAssignmentStates STRUCT(skuId VARCHAR, assignedByGroup VARCHAR, state VARCHAR, error VARCHAR,
                                 disabledPlans VARCHAR[], lastUpdatedDateTime VARCHAR)[],
  signInActivity STRUCT(lastSignInDateTime VARCHAR, lastNonInteractiveSignInDateTime VARCHAR, lastSuccessfulSignInDateTime VARCHAR))[]`;

const SKU_STRUCT = `STRUCT(
  id VARCHAR, accountId VARCHAR, accountName VARCHAR, appliesTo VARCHAR, capabilityStatus VARCHAR, consumedUnits INTEGER,
  prepaidUnits STRUCT(enabled INTEGER, lockedOut INTEGER, suspended INTEGER, warning INTEGER),
  servicePlans JSON, skuId VARCHAR, skuPartNumber VARCHAR, subscriptionIds VARCHAR[])[]`;

/** A Graph page is one JSON object (about 1 MB for 999 users with sign-ins; users with many licences make it
 * larger). DuckDB allocates twice this per thread from the writer's memory limit (M365_DUCKDB_MEMORY_LIMIT, 500MB by
 * default): 32 MB is 30 times a usual page, and leaves the limit to the load (64 MB took a quarter of it). */
export const MAX_OBJECT_SIZE = 32 * 1024 * 1024;

/** Concealed UPN: MD5 hex instead of a name (or the short-lived `<PII:...>` form of 2021). */
export const CONCEALED_UPN_SQL = `(regexp_full_match(user_principal_name, '[0-9A-Fa-f]{32}') OR starts_with(user_principal_name, '<PII:'))`;

export const TEMP_TABLES = ['stg_users', 'stg_skus', 'stg_active', 'stg_email'] as const;

export function usersGlob(stagingDir: string): string {
  const dir = path.join(stagingDir, STAGING_LAYOUT.usersDir);
  // Any name the glob below reads counts (a hand-made import directory need not number its pages).
  const pages = existsSync(dir) ? readdirSync(dir).filter((f) => /^page-.*\.json$/.test(f)) : [];
  if (pages.length === 0) throw new StagingError(`No user pages (${STAGING_LAYOUT.usersDir}/${USER_PAGE_GLOB}) in ${stagingDir}.`);
  return path.join(dir, USER_PAGE_GLOB);
}

export const readUsers = (stagingDir: string): string =>
  `read_json(${sqlString(usersGlob(stagingDir))}, format = 'auto', maximum_object_size = ${MAX_OBJECT_SIZE},
             columns = {'value': ${sqlString(USER_STRUCT)}}, filename = true)`;

/** Each user with the page file it came from (`page`), so a bad row can be traced to its page. */
export const stagedUsersSql = (stagingDir: string): string => `SELECT unnest(value) AS u, filename AS page FROM ${readUsers(stagingDir)}`;

/** Fields every user must carry: the roster's key and the report join key. */
const REQUIRED_USER_FIELDS = ['id', 'userPrincipalName'] as const;

/**
 * Fails with a message naming the page file and the field when a staged user lacks a required field, instead of
 * the constraint error the roster insert would raise later. Shows no value (a row is personal data).
 */
export async function checkRequiredUserFields(conn: DuckDBConnection, source: string): Promise<void> {
  const missing = REQUIRED_USER_FIELDS.map((f) => `CASE WHEN coalesce(u.${f}, '') = '' THEN '${f}' END`).join(', ');
  const r = await conn.runAndReadAll(`SELECT page, coalesce(${missing}) AS field, count(*) OVER () AS n
    FROM ${source} WHERE coalesce(${missing}) IS NOT NULL LIMIT 1`);
  const row = r.getRowsJson()[0];
  if (!row) return;
  const page = path.basename(String(row[0]));
  throw new StagingError(
    `Users page ${page} has a user without '${String(row[1])}' (${String(row[2])} such user(s) in the staged pages): ` +
      'Graph always sends it when it is $select-ed, so the page is damaged or was not written by the extract. Re-run the extract for this run.',
  );
}

/** Reads the roster (users with their licence states) into temp table stg_users(u STRUCT). */
export async function stageUsers(conn: DuckDBConnection, stagingDir: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE stg_users AS ${stagedUsersSql(stagingDir)}`);
  await checkRequiredUserFields(conn, 'stg_users');
}

export async function stageSkus(conn: DuckDBConnection, stagingDir: string): Promise<void> {
  const file = path.join(stagingDir, STAGING_LAYOUT.skus);
  if (!existsSync(file)) throw new StagingError(`Staged file missing: ${file}. Re-run the extract for this run.`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE stg_skus AS SELECT unnest(value) AS s
    FROM read_json(${sqlString(file)}, format = 'auto', maximum_object_size = ${MAX_OBJECT_SIZE}, columns = {'value': ${sqlString(SKU_STRUCT)}})`);
}

/** Reads both reports into stg_active / stg_email with `user_id` set where the UPN (case-insensitive) is in the roster. */
export async function stageReports(conn: DuckDBConnection, active: ValidatedReport, email: ValidatedReport): Promise<void> {
  for (const [table, report] of [
    ['stg_active', active],
    ['stg_email', email],
  ] as const) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS
      SELECT r.*, m.user_id FROM (${reportSelect(report)}) r
      LEFT JOIN (SELECT lower(u.userPrincipalName) AS upn_lower, any_value(u.id) AS user_id FROM stg_users GROUP BY 1) m
        ON m.upn_lower = lower(r.user_principal_name)`);
  }
}

export async function dropStaging(conn: DuckDBConnection): Promise<void> {
  for (const t of TEMP_TABLES) await conn.run(`DROP TABLE IF EXISTS temp.${t}`);
}

export interface ReportStats {
  rows: number;
  concealedRows: number;
  matched: number;
  refreshDate: string | null;
}

/** `source`: a table name, optionally followed by a WHERE clause. */
export async function reportStats(conn: DuckDBConnection, source: string): Promise<ReportStats> {
  const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT, count(*) FILTER (WHERE ${CONCEALED_UPN_SQL})::BIGINT,
    count(user_id)::BIGINT, max(report_refresh_date)::VARCHAR FROM ${source}`);
  const row = r.getRowsJson()[0] ?? [];
  return {
    rows: Number(row[0] ?? 0),
    concealedRows: Number(row[1] ?? 0),
    matched: Number(row[2] ?? 0),
    refreshDate: (row[3] as string | null | undefined) ?? null,
  };
}
