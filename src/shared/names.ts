// Public Temporal names: the CLI, the worker and the tests import them from here so each is written once.
export const TASK_QUEUE = 'm365-license';
export const WAREHOUSE_TASK_QUEUE = 'm365-license-warehouse';

export const dailyWorkflowId = (tenant: string, snapshotDate: string): string => `daily-${tenant}-${snapshotDate}`;
export const reclaimWorkflowId = (tenant: string, userId: string): string => `reclaim-${tenant}-${userId}`;
export const dailyScheduleId = (tenant: string): string => `m365-daily-${tenant}`;
export const restoreWorkflowId = (reclaimWorkflowId: string): string => `restore-${reclaimWorkflowId}`;
