// Extract activities: copy what Graph returns into the run's staging directory, exactly once, resumable.
// Each returns only a file reference and counts: no user data crosses into workflow history.
import { createExtractPreflight } from './preflight';
import { createReadReportSettings } from './report-settings';
import { createExtractReport } from './reports';
import { createExtractSkus } from './skus';
import { createExtractUsers } from './users';
import type { ExtractDeps } from './types';

export { USER_SELECT, type ExtractInput, type PageSizes, type PreflightResult, type ReportPeriod, type StagedFile, type StagedUsers } from './types';
export { SIGN_IN_DENIED_CODES, lowerPageSize, signInRefusal } from './page-size';

export function createExtractActivities(deps: ExtractDeps) {
  return {
    preflight: createExtractPreflight(deps),
    extractUsers: createExtractUsers(deps),
    extractSkus: createExtractSkus(deps),
    extractReport: createExtractReport(deps),
    readReportSettings: createReadReportSettings(deps),
  };
}
export type ExtractActivities = ReturnType<typeof createExtractActivities>;
