// What the daily schedule starts: it names the day's run `daily-<tenant>-<date>` and runs it as a child,
// so a scheduled run and a manual `run` for the same date can never both happen. The date is the day the
// schedule INTENDED (its scheduled start time, which Temporal sets as the search attribute
// TemporalScheduledStartTime), so a catch-up run after midnight UTC files the snapshot under the right day.
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, patched, workflowInfo } from '@temporalio/workflow';
import { dailyWorkflowId } from '../shared/names';
import { dailySync } from './daily-sync';
import type { DailySyncInput } from './daily-sync-messages';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The schedule's intended day (UTC); the start day when not started by a schedule (a manual start). */
function intendedDay(): string {
  // Executions started before this rule used the start day; the patch keeps their replay unchanged.
  const intended = patched('snapshot-date-from-scheduled-start') ? workflowInfo().typedSearchAttributes.get(SCHEDULED_START) : undefined;
  return (intended ?? new Date()).toISOString().slice(0, 10);
}

export async function scheduledDailySync(input: DailySyncInput): Promise<{ workflowId: string; outcome: 'ran' | 'already-ran' }> {
  const snapshotDate = input.snapshotDate ?? intendedDay();
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
