// Starting and following a dailySync run: shared by `run` and `dev`.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { dailyWorkflowId, TASK_QUEUE } from '../shared/names';
import { tuningMemo, type WorkflowTuning } from '../shared/tuning';
import { dailySync } from '../workflows';
import { dailySyncStatusQuery, type DailySyncInput, type DailySyncResult, type DailySyncStatus } from '../workflows/daily-sync-messages';

export class RunAlreadyExistsError extends Error {
  override name = 'RunAlreadyExistsError';
}

export async function startDailySync(
  client: Client,
  input: DailySyncInput & { snapshotDate: string },
  opts: { force?: boolean; taskQueue?: string; /** Test wiring only (see src/shared/tuning.ts). */ tuning?: WorkflowTuning } = {},
): Promise<WorkflowHandle<typeof dailySync>> {
  const workflowId = dailyWorkflowId(input.tenantId, input.snapshotDate);
  try {
    return await client.workflow.start(dailySync, {
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      workflowId,
      args: [input],
      ...(opts.tuning ? { memo: tuningMemo(opts.tuning) } : {}),
      // A failed day may always be run again; a completed one only with --force (the load is idempotent per date).
      workflowIdReusePolicy: opts.force ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RunAlreadyExistsError(
        `A run for tenant ${input.tenantId} on ${input.snapshotDate} already exists (${workflowId}); it is running or completed. Use --force to run that date again.`,
        { cause: err },
      );
    }
    throw err;
  }
}

export interface Progress {
  status?: DailySyncStatus;
  /** From the pending activities' heartbeats: pages walked, attempts beyond the first. */
  pages?: number;
  retries: number;
  elapsedMs: number;
}

/** Reads the run's progress from its `status` query and its pending activities' heartbeats. */
export async function readProgress(handle: WorkflowHandle, startedAt: number): Promise<Progress> {
  const [status, description] = await Promise.all([handle.query(dailySyncStatusQuery).catch(() => undefined), handle.describe().catch(() => undefined)]);
  let pages: number | undefined;
  let retries = 0;
  for (const a of description?.raw.pendingActivities ?? []) {
    retries += Math.max(0, (a.attempt ?? 1) - 1);
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (payload?.data) {
      try {
        const details = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { page?: number };
        if (typeof details?.page === 'number') pages = details.page;
      } catch {
        // Heartbeats without JSON details carry no progress.
      }
    }
  }
  return { status, pages, retries, elapsedMs: Date.now() - startedAt };
}

export function progressLine(p: Progress): string {
  const s = p.status;
  const staged = s?.staged ?? {};
  const parts = [
    `stage ${s?.stage ?? 'starting'}`,
    p.pages !== undefined ? `pages ${p.pages}` : undefined,
    staged.users !== undefined ? `users ${staged.users}` : undefined,
    staged.activeUserRows !== undefined ? `report rows ${staged.activeUserRows + (staged.emailRows ?? 0)}` : undefined,
    `retries ${p.retries}`,
    `${(p.elapsedMs / 1000).toFixed(0)} s`,
  ];
  return parts.filter(Boolean).join(' | ');
}

/** Waits for the result, calling `onProgress` about once a second. */
export async function followRun(handle: WorkflowHandle<typeof dailySync>, onProgress: (p: Progress) => void, everyMs = 1_000): Promise<DailySyncResult> {
  const startedAt = Date.now();
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
    if (!done) onProgress(await readProgress(handle, startedAt));
  }
  return result;
}

export function summaryLines(r: DailySyncResult): string[] {
  const v = r.verdict;
  return [
    `Run ${r.runId} for tenant ${r.tenantId} on ${r.snapshotDate}: ${r.status}`,
    `  users ${r.counts.users}, licensed ${r.counts.licensedUsers}, SKUs ${r.counts.skus}, assignments ${r.counts.assignments}, activity rows ${r.counts.activityRows}, suspicious rows ${r.counts.suspiciousRows}`,
    `  report refreshed ${v.reportRefreshDate ?? 'never'}${v.stale ? ' (STALE)' : ''}; concealed names: ${v.concealed ? `yes (${(v.ratio * 100).toFixed(0)}% of ${v.rowsChecked} rows)` : 'no'}`,
    `  stage times: ${Object.entries(r.stageMs)
      .map(([k, ms]) => `${k} ${((ms ?? 0) / 1000).toFixed(1)} s`)
      .join(', ')}`,
    ...(r.message ? [`  ${r.message.split('\n').join('\n  ')}`] : []),
  ];
}
