// dailySync: preflight -> extract (parallel) -> detect -> load and publish -> summarize.
// Only ids, counts, verdicts and file paths cross into history; never user data or secrets.
import { ApplicationFailure, defineQuery, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MainActivities, WarehouseActivities } from '../activities';
import type { StagedFile, ReportPeriod } from '../activities/extract';
import { WAREHOUSE_TASK_QUEUE } from '../shared/names';
import type { AnonymizationVerdict, LoadCounts, RunStatus } from '../warehouse/types';
import { NON_RETRYABLE } from './retry';

export interface DailySyncInput {
  tenantId: string;
  /** YYYY-MM-DD (UTC); default: the day the workflow started. */
  snapshotDate?: string;
  reportPeriod?: ReportPeriod;
  /** Staging directories kept per tenant. */
  keepRuns?: number;
  /** Also require the license-write permission at preflight. */
  needReclaim?: boolean;
  /** The queue of the warehouse writer (default m365-license-warehouse); tests isolate it. */
  warehouseTaskQueue?: string;
  /** How soon a dead worker's activity is retried elsewhere (default 120 s). */
  heartbeatTimeoutSeconds?: number;
}

export type DailySyncStage = 'preflight' | 'extract' | 'detect' | 'load' | 'cleanup' | 'done' | 'failed';

export interface DailySyncStatus {
  stage: DailySyncStage;
  tenantId: string;
  snapshotDate: string;
  runId: string;
  staged: { users?: number; skus?: number; activeUserRows?: number; emailRows?: number };
  stageMs: Partial<Record<DailySyncStage, number>>;
  verdict?: AnonymizationVerdict;
  error?: string;
}

export interface DailySyncResult {
  runId: string;
  tenantId: string;
  snapshotDate: string;
  status: RunStatus;
  message: string;
  counts: LoadCounts;
  verdict: AnonymizationVerdict;
  stageMs: Partial<Record<DailySyncStage, number>>;
  stagingDir: string;
  staged: { users: StagedFile; skus: StagedFile; reports: StagedFile[] };
}

export const dailySyncStatusQuery = defineQuery<DailySyncStatus>('status');

const graphErrors = { nonRetryableErrorTypes: NON_RETRYABLE, initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' };

const quick = proxyActivities<MainActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { ...graphErrors, maximumAttempts: 5 },
});
// Sized for a 1M-user tenant (about 1,000 pages); heartbeats catch a dead worker within two minutes.
const extractWith = (heartbeatSeconds: number) =>
  proxyActivities<MainActivities>({
    startToCloseTimeout: '3 hours',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    retry: { ...graphErrors, maximumAttempts: 10 },
  });
const warehouseOn = (taskQueue: string | undefined, heartbeatSeconds: number) =>
  proxyActivities<WarehouseActivities>({
    taskQueue: taskQueue ?? WAREHOUSE_TASK_QUEUE,
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    // A locked or busy database file clears up; a malformed staged report does not.
    retry: { ...graphErrors, maximumAttempts: 10 },
  });

export async function dailySync(input: DailySyncInput): Promise<DailySyncResult> {
  const info = workflowInfo();
  const startedAt = new Date();
  const status: DailySyncStatus = {
    stage: 'preflight',
    tenantId: input.tenantId,
    snapshotDate: input.snapshotDate ?? startedAt.toISOString().slice(0, 10),
    runId: info.runId,
    staged: {},
    stageMs: {},
  };
  setHandler(dailySyncStatusQuery, () => status);
  let stageStarted = Date.now();
  const enter = (stage: DailySyncStage) => {
    log.info('dailySync stage', { from: status.stage, to: stage, tenantId: input.tenantId, stageMs: Date.now() - stageStarted });
    status.stageMs[status.stage] = Date.now() - stageStarted;
    status.stage = stage;
    stageStarted = Date.now();
  };
  const ids = { tenantId: input.tenantId, runId: info.runId };
  const heartbeatSeconds = input.heartbeatTimeoutSeconds ?? 120;
  const extract = extractWith(heartbeatSeconds);
  const warehouse = warehouseOn(input.warehouseTaskQueue, heartbeatSeconds);

  try {
    const pre = await quick.preflight({ tenantId: input.tenantId, needReclaim: input.needReclaim ?? false });

    enter('extract');
    const period = input.reportPeriod ?? 'D30';
    const [users, skus, activeUsers, email, reportSettings] = await Promise.all([
      extract.extractUsers(ids).then((f) => ((status.staged.users = f.count), f)),
      extract.extractSkus(ids).then((f) => ((status.staged.skus = f.count), f)),
      extract.extractReport({ ...ids, report: 'getOffice365ActiveUserDetail', period }).then((f) => ((status.staged.activeUserRows = f.count), f)),
      extract.extractReport({ ...ids, report: 'getEmailActivityUserDetail', period }).then((f) => ((status.staged.emailRows = f.count), f)),
      pre.canReadReportSettings ? quick.readReportSettings({ tenantId: input.tenantId }) : Promise.resolve(null),
    ]);
    const stagingDir = await quick.writeManifest({
      ...ids,
      snapshotDate: status.snapshotDate,
      startedAt: startedAt.toISOString(),
      users,
      skus,
      reports: [
        { ...activeUsers, name: 'getOffice365ActiveUserDetail' },
        { ...email, name: 'getEmailActivityUserDetail' },
      ],
      reportSettings,
    });

    enter('detect');
    status.verdict = await quick.detect({ stagingDir });

    enter('load');
    const loaded = await warehouse.loadAndPublish({ stagingDir, tenantId: input.tenantId, runId: info.runId, snapshotDate: status.snapshotDate });
    status.verdict = loaded.verdict;

    enter('cleanup');
    await quick.cleanupStaging({ tenantId: input.tenantId, keep: input.keepRuns ?? 7 });
    enter('done');
    return {
      runId: info.runId,
      tenantId: input.tenantId,
      snapshotDate: status.snapshotDate,
      status: loaded.status,
      message: loaded.message,
      counts: loaded.counts,
      verdict: loaded.verdict,
      stageMs: status.stageMs,
      stagingDir,
      staged: { users, skus, reports: [activeUsers, email] },
    };
  } catch (err) {
    const failedStage = status.stage;
    enter('failed');
    status.error = failureMessage(err);
    await warehouse.recordFailedRun({
      runId: info.runId,
      tenantId: input.tenantId,
      snapshotDate: status.snapshotDate,
      status: 'failed',
      message: `failed during ${failedStage}: ${status.error}`,
      startedAt: startedAt.toISOString(),
    });
    throw err;
  }
}

/** The root cause's message: activity failures wrap the error that says what to do. */
function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof ApplicationFailure || e instanceof Error) return e.message;
  return String(e);
}
