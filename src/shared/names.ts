// Public Temporal names and their inverses: the CLI, the worker, the workflows and the tests build and parse
// every id here, so a format is written once. Pure module (no I/O): workflow code imports it too.

/** The main queue (orchestration, Graph calls). Another name isolates a deployment (TEMPORAL_TASK_QUEUE). */
export const TASK_QUEUE = 'm365-license';

/**
 * The warehouse writer's queue belongs to a main queue by this rule, so a workflow finds it from its own task
 * queue (workflowInfo().taskQueue) and no queue name travels in workflow inputs.
 */
export const warehouseTaskQueueFor = (mainTaskQueue: string): string => `${mainTaskQueue}-warehouse`;
export const WAREHOUSE_TASK_QUEUE = warehouseTaskQueueFor(TASK_QUEUE);

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DAY = '\\d{4}-\\d{2}-\\d{2}';

/** One dailySync run per tenant and snapshot day: `daily-<tenant>-<YYYY-MM-DD>`. */
export const dailyWorkflowId = (tenantId: string, snapshotDate: string): string => `daily-${tenantId}-${snapshotDate}`;
export function parseDailyWorkflowId(id: string): { tenantId: string; snapshotDate: string } | undefined {
  const m = new RegExp(`^daily-(.+)-(${DAY})$`).exec(id);
  return m ? { tenantId: m[1]!, snapshotDate: m[2]! } : undefined;
}

/** At most one open reclamation per user: `reclaim-<tenant>-<userObjectId>`. */
export const reclaimWorkflowId = (tenantId: string, userId: string): string => `reclaim-${tenantId}-${userId}`;
export function parseReclaimWorkflowId(id: string): { tenantId: string; userId: string } | undefined {
  const m = new RegExp(`^reclaim-(.+)-(${GUID})$`, 'i').exec(id);
  return m ? { tenantId: m[1]!, userId: m[2]! } : undefined;
}

/** The undo of one reclamation: `restore-<reclaim workflow id>`. */
export const restoreWorkflowId = (reclaimId: string): string => `restore-${reclaimId}`;
export function parseRestoreWorkflowId(id: string): { reclaimWorkflowId: string } | undefined {
  const rest = id.startsWith('restore-') ? id.slice('restore-'.length) : undefined;
  return rest && parseReclaimWorkflowId(rest) ? { reclaimWorkflowId: rest } : undefined;
}

/** The daily schedule of one tenant: `m365-daily-<tenant>`. */
export const dailyScheduleId = (tenantId: string): string => `m365-daily-${tenantId}`;
export function parseDailyScheduleId(id: string): { tenantId: string } | undefined {
  const m = /^m365-daily-(.+)$/.exec(id);
  return m ? { tenantId: m[1]! } : undefined;
}

/**
 * The workflow id the daily schedule's action starts (scheduledDailySync). Temporal appends the scheduled
 * instant to it (`scheduled-daily-<tenant>-2026-11-27T02:00:00Z`); the parser accepts both forms.
 */
export const scheduledDailyWorkflowId = (tenantId: string): string => `scheduled-daily-${tenantId}`;
export function parseScheduledDailyWorkflowId(id: string): { tenantId: string; scheduledAt?: string } | undefined {
  const m = new RegExp(`^scheduled-daily-(.+?)(?:-(${DAY}T[0-9:.]+Z))?$`).exec(id);
  return m ? { tenantId: m[1]!, ...(m[2] ? { scheduledAt: m[2] } : {}) } : undefined;
}

/** One `settings set|unset` applied by the warehouse writer: `settings-<tenant>-<request id>`. */
export const settingsWorkflowId = (tenantId: string, requestId: string): string => `settings-${tenantId}-${requestId}`;
