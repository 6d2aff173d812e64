// applySettings: one `settings set|unset` applied by the warehouse writer, which owns the working database while
// a worker runs. The change itself stays in a request file; history holds the tenant id and that file's path.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WarehouseActivities } from '../activities';
import { warehouseTaskQueueFor } from '../shared/names';
import { NON_RETRYABLE } from '../shared/errors';

export interface ApplySettingsInput {
  tenantId: string;
  requestFile: string;
}

export async function applySettings(input: ApplySettingsInput): Promise<{ applied: boolean; keys: string[] }> {
  const warehouse = proxyActivities<WarehouseActivities>({
    taskQueue: warehouseTaskQueueFor(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    // A busy working database clears up; a request from elsewhere does not.
    retry: { nonRetryableErrorTypes: [...NON_RETRYABLE, 'SettingsRequestError'], initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
  });
  return warehouse.applySettings({ requestFile: input.requestFile });
}
