// dailySync: preflight -> extract (parallel) -> detect -> load and publish -> report (and export) -> summarize.
// Each step is awaited in turn and the patched() calls stand where they always stood: recorded histories replay.
// Only ids, counts, verdicts and file paths cross into history; never user data or secrets.
import { log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MainActivities, WarehouseActivities } from '../activities';
import type { PreflightResult, StagedFile, StagedUsers } from '../activities/extract';
import type { LoadResult } from '../warehouse/index';
import { warehouseTaskQueueFor } from '../shared/names';
import { readTuning } from '../shared/tuning';
import { cleanupThenRethrow, DAILY_RETRY, rootMessage } from './failures';
import { notifyBeforeEnd } from './notify';
import { dailySyncStatusQuery, type DailySyncInput, type DailySyncResult, type DailySyncStage, type DailySyncStatus } from './daily-sync-messages';

const quick = proxyActivities<MainActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { ...DAILY_RETRY, maximumAttempts: 5 },
});
// Sized for a 1M-user tenant (about 1,000 pages); heartbeats catch a dead worker within two minutes.
const extractWith = (heartbeatSeconds: number) =>
  proxyActivities<MainActivities>({
    startToCloseTimeout: '3 hours',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    retry: { ...DAILY_RETRY, maximumAttempts: 10 },
  });
const warehouseOn = (taskQueue: string, heartbeatSeconds: number) =>
  proxyActivities<WarehouseActivities>({
    taskQueue,
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    // A locked or busy database file clears up; a malformed staged report does not.
    retry: { ...DAILY_RETRY, maximumAttempts: 10 },
  });

/** What the steps of one daily run share: its input and ids, its `status` (the query's answer) and the proxies. */
interface DailyRun {
  input: DailySyncInput;
  runId: string;
  ids: { tenantId: string; runId: string };
  startedAt: Date;
  status: DailySyncStatus;
  /** Moves the status to the next stage, timing the one that ends. */
  enter(stage: DailySyncStage): void;
  extract: ReturnType<typeof extractWith>;
  warehouse: ReturnType<typeof warehouseOn>;
}

/** The files one run staged, as the manifest lists them. */
interface Staged {
  stagingDir: string;
  users: StagedUsers;
  skus: StagedFile;
  activeUsers: StagedFile;
  email: StagedFile;
  subscriptions: StagedFile | null;
  copilot: StagedFile | null;
}

export async function dailySync(input: DailySyncInput): Promise<DailySyncResult> {
  const run = startDailyRun(input);
  const { status, enter } = run;
  // Runs started before notifications existed replay without the notify activity.
  const notifying = patched('daily-run-notifications');

  try {
    const pre = await quick.preflight({ tenantId: input.tenantId, needReclaim: input.needReclaim ?? false, snapshotDate: status.snapshotDate });

    enter('extract');
    const staged = await extractAndStage(run, pre);

    enter('detect');
    status.verdict = await quick.detect({ stagingDir: staged.stagingDir });

    enter('load');
    const loaded = await loadAndReport(run, staged.stagingDir);

    enter('cleanup');
    await quick.cleanupStaging({ tenantId: input.tenantId, keep: input.keepRuns ?? 7 });
    enter('done');
    // After the load is durable: a receiver that is down delays the workflow's end, never the data.
    if (notifying && loaded.status === 'degraded') {
      await notifyBeforeEnd('daily_run.degraded', { tenantId: input.tenantId, state: 'degraded', counts: { ...loaded.counts } });
    }
    return summary(run, staged, loaded);
  } catch (err) {
    const failedStage = status.stage;
    enter('failed');
    status.error = rootMessage(err);
    return cleanupThenRethrow(err, async () => {
      await run.warehouse.recordFailedRun({
        runId: run.runId,
        tenantId: input.tenantId,
        snapshotDate: status.snapshotDate,
        status: 'failed',
        message: `failed during ${failedStage}: ${status.error}`,
        startedAt: run.startedAt.toISOString(),
      });
      if (notifying) await notifyBeforeEnd('daily_run.failed', { tenantId: input.tenantId, state: 'failed', counts: { ...status.staged } });
    });
  }
}

/** The run's status (answering the query from now on), its stage clock and its activity proxies. */
function startDailyRun(input: DailySyncInput): DailyRun {
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
  const heartbeatSeconds = readTuning(info.memo).heartbeatTimeoutSeconds ?? 120;
  const extract = extractWith(heartbeatSeconds);
  const warehouse = warehouseOn(warehouseTaskQueueFor(info.taskQueue), heartbeatSeconds);
  return { input, runId: info.runId, ids, startedAt, status, enter, extract, warehouse };
}

/** Extracts the roster, SKUs and reports in parallel, then writes the manifest that makes them one staged run. */
async function extractAndStage(run: DailyRun, pre: PreflightResult): Promise<Staged> {
  const { input, ids, status, extract } = run;
  const period = input.reportPeriod ?? 'D30';
  // Guards the sign-in times in the users extract, the commerce subscriptions and the Copilot report: executions
  // started before they existed replay without them. The id is recorded in histories, so it keeps its old name.
  const spendExtracts = patched('issue-13-spend-extracts');
  const [users, skus, activeUsers, email, reportSettings, subscriptions, copilot] = await Promise.all([
    extract.extractUsers({ ...ids, signIn: spendExtracts && (pre.canReadSignIns ?? false) }).then((f) => ((status.staged.users = f.count), f)),
    extract.extractSkus(ids).then((f) => ((status.staged.skus = f.count), f)),
    extract.extractReport({ ...ids, report: 'getOffice365ActiveUserDetail', period }).then((f) => ((status.staged.activeUserRows = f.count), f)),
    extract.extractReport({ ...ids, report: 'getEmailActivityUserDetail', period }).then((f) => ((status.staged.emailRows = f.count), f)),
    pre.canReadReportSettings ? quick.readReportSettings({ tenantId: input.tenantId }) : Promise.resolve(null),
    spendExtracts ? extract.extractSubscriptions(ids).then((f) => ((status.staged.subscriptions = f?.count), f)) : Promise.resolve(null),
    spendExtracts ? extract.extractCopilotReport({ ...ids, period }).then((f) => ((status.staged.copilotRows = f?.count), f)) : Promise.resolve(null),
  ]);
  const stagingDir = await quick.writeManifest({
    ...ids,
    snapshotDate: status.snapshotDate,
    startedAt: run.startedAt.toISOString(),
    users,
    skus,
    reports: [
      { ...activeUsers, name: 'getOffice365ActiveUserDetail' },
      { ...email, name: 'getEmailActivityUserDetail' },
      ...(copilot ? [{ ...copilot, name: 'getMicrosoft365CopilotUsageUserDetail' }] : []),
    ],
    reportSettings,
    subscriptions,
    signIn: spendExtracts ? users.signIn : null,
  });
  return { stagingDir, users, skus, activeUsers, email, subscriptions, copilot };
}

/**
 * Loads and publishes the staged run; the report and export follow as a step of their own on the patched path: the
 * run's tenant's report only (its tenant id is the activity's input, not a command), the fleet's page and the export.
 */
async function loadAndReport(run: DailyRun, stagingDir: string): Promise<LoadResult> {
  const { input, status, warehouse } = run;
  // The report and export read what was published: a step of their own, so the load holds only the load.
  const reportApart = patched('report-after-publish');
  const loaded = await warehouse.loadAndPublish({
    stagingDir,
    tenantId: input.tenantId,
    runId: run.runId,
    snapshotDate: status.snapshotDate,
    ...(reportApart ? { afterPublish: false } : {}),
  });
  status.verdict = loaded.verdict;
  if (reportApart) {
    run.enter('report');
    await warehouse.afterPublish({ tenantId: input.tenantId });
  }
  return loaded;
}

function summary(run: DailyRun, staged: Staged, loaded: LoadResult): DailySyncResult {
  const { users, skus, activeUsers, email, copilot, subscriptions } = staged;
  return {
    runId: run.runId,
    tenantId: run.input.tenantId,
    snapshotDate: run.status.snapshotDate,
    status: loaded.status,
    message: loaded.message,
    counts: loaded.counts,
    verdict: loaded.verdict,
    stageMs: run.status.stageMs,
    stagingDir: staged.stagingDir,
    staged: { users, skus, reports: copilot ? [activeUsers, email, copilot] : [activeUsers, email], subscriptions },
  };
}
