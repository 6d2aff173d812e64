// Bundle entry for the worker: every workflow type the project registers.
export { healthCheck } from './health-check';
export { dailySync, dailySyncStatusQuery, type DailySyncInput, type DailySyncResult, type DailySyncStatus } from './daily-sync';
export { scheduledDailySync } from './scheduled-daily-sync';
