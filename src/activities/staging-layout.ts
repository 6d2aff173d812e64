// Where a run's files live: <dataDir>/staging/<tenant>/<runId>/, on the volume every worker shares. The names inside a run's
// directory are the staging contract's (src/shared/staging-contract.ts); this file only roots them on disk.
import path from 'node:path';
import { reportPath, STAGING_LAYOUT, userPageName, type ReportName } from '../shared/staging-contract';

export const tenantStagingDir = (dataDir: string, tenantId: string): string => path.join(dataDir, 'staging', safeSegment(tenantId));
export const runStagingDir = (dataDir: string, tenantId: string, runId: string): string => path.join(tenantStagingDir(dataDir, tenantId), safeSegment(runId));
export const usersDir = (runDir: string): string => path.join(runDir, STAGING_LAYOUT.usersDir);
export const userPageFile = (runDir: string, page: number): string => path.join(usersDir(runDir), userPageName(page));
/** Where the users walk resumes from (the next page's link, kept out of heartbeats); removed when the walk ends. */
export const usersCursorFile = (runDir: string): string => path.join(runDir, 'users.cursor.json');
/** A sharded walk's working files (plan, each shard's pages and cursor); merged into the users directory, then removed. */
export const usersShardsDir = (runDir: string): string => path.join(runDir, 'users.shards');
export const skusFile = (runDir: string): string => path.join(runDir, STAGING_LAYOUT.skus);
export const reportFile = (runDir: string, report: ReportName): string => path.join(runDir, reportPath(report));
export const manifestFile = (runDir: string): string => path.join(runDir, STAGING_LAYOUT.manifest);

/** Ids come from configuration and Temporal; refuse anything that could climb out of the data directory. */
export function safeSegment(s: string): string {
  if (!/^[A-Za-z0-9._@-]+$/.test(s) || s === '.' || s === '..') throw new Error(`Unsafe path segment: ${JSON.stringify(s)}`);
  return s;
}
