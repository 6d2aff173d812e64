// The workflow bundle entry as it was before the patch `snapshot-date-from-scheduled-start`, for
// scripts/record-history.ts only: it records the unpatched side of scheduledDailySync so the replay test keeps
// proving that executions started on that code still replay. Every other workflow is today's.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild } from '@temporalio/workflow';
import { dailyWorkflowId } from '../src/shared/names';
import { dailySync } from '../src/workflows/daily-sync';
import type { DailySyncInput } from '../src/workflows/daily-sync-messages';

export * from '../src/workflows/index';

/** scheduledDailySync before the patch: the snapshot date is the day the workflow started. */
export async function scheduledDailySync(input: DailySyncInput): Promise<{ workflowId: string; outcome: 'ran' | 'already-ran' }> {
  const snapshotDate = input.snapshotDate ?? new Date().toISOString().slice(0, 10);
  const workflowId = dailyWorkflowId(input.tenantId, snapshotDate);
  try {
    await executeChild(dailySync, {
      workflowId,
      args: [{ ...input, snapshotDate }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { workflowId, outcome: 'ran' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'already-ran' };
    throw err;
  }
}
