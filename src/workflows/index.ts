// Bundle entry for the worker: every workflow type the project registers.
export { healthCheck } from './health-check';
export { dailySync, dailySyncStatusQuery, type DailySyncInput, type DailySyncResult, type DailySyncStatus } from './daily-sync';
export { scheduledDailySync } from './scheduled-daily-sync';
export {
  reclaimLicenses,
  restoreLicenses,
  approveSignal,
  rejectSignal,
  reclaimStatusQuery,
  restoreWorkflowId,
  DEFAULT_APPROVAL_TIMEOUT,
  type ReclaimInput,
  type ReclaimState,
  type ReclaimStatusName,
  type RestoreInput,
  type RestoreResult,
  type ApproveSignal,
  type RejectSignal,
} from './reclaim-licenses';
