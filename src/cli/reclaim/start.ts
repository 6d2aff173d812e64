// Starting the reclamation and restore workflows (the CLI's request and restore commands, and the tests, use them).
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { parseReclaimWorkflowId, reclaimWorkflowId, restoreWorkflowId, TASK_QUEUE } from '../../shared/names';
import { reclaimLicenses, restoreLicenses } from '../../workflows';
import type { ReclaimInput, RestoreInput } from '../../workflows/reclaim/messages';
import { reclaimStartAttributes } from './list';
import { UsageError } from '../usage-error';

export class ReclamationOpenError extends Error {
  override name = 'ReclamationOpenError';
}

/** Starts one reclamation; a second start for the same user while one is open is refused. */
export async function startReclamation(client: Client, input: ReclaimInput, opts: { taskQueue?: string } = {}): Promise<WorkflowHandle<typeof reclaimLicenses>> {
  const workflowId = reclaimWorkflowId(input.tenantId, input.userId);
  try {
    return await client.workflow.start(reclaimLicenses, {
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      workflowId,
      args: [input],
      // The approver's inbox (`reclaim list`) filters on these; the workflow keeps state, scope and requester current.
      typedSearchAttributes: reclaimStartAttributes(input.tenantId),
      // A closed reclamation (rejected, expired, executed) may be requested again; an open one is never doubled.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ReclamationOpenError(`A reclamation for this user is already open (${workflowId}): decide it first (reclaim approve|reject ${workflowId}).`, { cause: err });
    }
    throw err;
  }
}

/** Starts the undo of one reclamation's removal. */
export async function startRestore(client: Client, input: RestoreInput, opts: { taskQueue?: string } = {}): Promise<WorkflowHandle<typeof restoreLicenses>> {
  return client.workflow.start(restoreLicenses, {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: restoreWorkflowId(input.reclaimWorkflowId),
    args: [input],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
  });
}

/** The tenant id inside a reclamation id; a usage error for anything else. */
export function tenantOfWorkflowId(id: string): string {
  const parsed = parseReclaimWorkflowId(id);
  if (!parsed) throw new UsageError(`Not a reclamation id: ${id} (expected reclaim-<tenant>-<userObjectId>, as printed by reclaim request)`);
  return parsed.tenantId;
}
