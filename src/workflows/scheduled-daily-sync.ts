// What the daily schedule starts: it names the day's run `daily-<tenant>-<date>` and runs it as a child,
// so a scheduled run and a manual `run` for the same date can never both happen.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild } from '@temporalio/workflow';
import { dailyWorkflowId } from '../shared/names';
import { dailySync, type DailySyncInput } from './daily-sync';

export async function scheduledDailySync(input: DailySyncInput): Promise<{ workflowId: string; outcome: 'ran' | 'already-ran' }> {
  const snapshotDate = input.snapshotDate ?? new Date().toISOString().slice(0, 10);
  const workflowId = dailyWorkflowId(input.tenantId, snapshotDate);
  try {
    await executeChild(dailySync, {
      workflowId,
      args: [{ ...input, snapshotDate }],
      // A failed day may be run again; a completed one is not doubled.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { workflowId, outcome: 'ran' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'already-ran' };
    throw err;
  }
}
