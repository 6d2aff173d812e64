// The activity proxies reclaimLicenses and restoreLicenses share, with their timeouts and retries.
import { proxyActivities } from '@temporalio/workflow';
import type { MainActivities, WarehouseActivities } from '../../activities';
import { warehouseTaskQueueFor } from '../../shared/names';
import { RECLAIM_RETRY } from '../failures';

/** Reads and checks (preflight, inspection, the audit read-back). */
export const quick = proxyActivities<MainActivities>({ startToCloseTimeout: '2 minutes', retry: { ...RECLAIM_RETRY, maximumAttempts: 5 } });

// One Graph write plus reads; heartbeats (a timer and every in-process retry wait) reveal a dead worker in seconds,
// and the activity is idempotent, so a retry after a crash neither removes twice nor skips the removal.
export const act = proxyActivities<MainActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...RECLAIM_RETRY, maximumAttempts: 20 },
});

/** The audit writer on the warehouse queue that belongs to the workflow's own task queue. */
export const warehouseFor = (mainTaskQueue: string) =>
  proxyActivities<WarehouseActivities>({
    taskQueue: warehouseTaskQueueFor(mainTaskQueue),
    startToCloseTimeout: '10 minutes',
    retry: { ...RECLAIM_RETRY, maximumAttempts: 20 },
  });
