// The drill's timeline: every tenant's daily schedule set to the same minute, faults struck while those runs
// are in flight, reclamations under faults, then a clean single-process run of the same day to compare with.
import path from 'node:path';
import { createDailySchedule } from '../../src/cli/schedule';
import { dailyWorkflowId } from '../../src/shared/names';
import { historyRootFor } from '../../src/warehouse/history/layout';
import type { Cluster, Teardown } from './cluster';
import { closedStatus, record, sleep, until, type DrillContext, type FaultRow } from './context';
import { killGraphWorkerMidWalk, killWriterMidLoadAndPublish, restartPostgres, restartTemporalServer } from './faults-daily';
import { checkReclamations, reclaimUnderFaults } from './faults-reclaim';
import { Replica } from './processes';
import { startTenants, type TenantPlan } from './tenants';
import { answerFingerprints, checkDuplicates, checkRuns, compareAnswers, halfPublished } from './verdict';

export interface DrillResult {
  ok: boolean;
  faults: FaultRow[];
  tenants: number;
  runs_expected: number;
  runs_succeeded: number;
  duplicate_rows: number;
  reclamations_approved: number;
  reclamations_executed_once: number;
  wrongly_removed: number;
  answers_equal_clean_run: boolean;
  /** Tables and views compared with the clean run. */
  answers_compared: number;
  half_published: number;
  problems: string[];
}

/** The next whole minute at least 40 s away (schedules and workers need a moment), as HH:MM UTC and epoch ms. */
function nextMinute(): { at: string; ms: number } {
  const d = new Date(Date.now() + 40_000);
  d.setUTCSeconds(0, 0);
  d.setUTCMinutes(d.getUTCMinutes() + 1);
  return { at: d.toISOString().slice(11, 16), ms: d.getTime() };
}

export async function runScenario(cluster: Cluster, plan: TenantPlan, ctx: DrillContext, teardown: Teardown): Promise<DrillResult> {
  const { client, config, tenants } = cluster;
  const fire = nextMinute();
  // Schedules are the operators' (the people's certificate may not create one).
  for (const s of tenants.sims) await createDailySchedule(cluster.operators, config, s.tenantId, fire.at, { taskQueue: config.taskQueue, jitterMinutes: 0 });
  ctx.say(`${tenants.sims.length} daily schedules at ${fire.at} UTC (in ${Math.round((fire.ms - Date.now()) / 1000)} s)`);
  // The big tenant's users pages are slow, so a worker can die in the middle of its walk.
  tenants.sims[0]!.state.setFaults('users:slow:ms=2000');
  const workflows = tenants.sims.map((s) => dailyWorkflowId(s.tenantId, ctx.snapshotDate));

  // The server restart waits for the walk's worker to die: restarting first could let the walk finish unseen.
  let walkStruck = () => {};
  const struck = new Promise<void>((r) => (walkStruck = r));
  const walk = killGraphWorkerMidWalk(ctx, walkStruck);
  const writer = killWriterMidLoadAndPublish(ctx);
  // Awaited below; a failure meanwhile must not end the process before the teardown.
  walk.catch(() => {});
  writer.catch(() => {});
  await Promise.race([struck, walk]);
  await sleep(2_000);
  await restartTemporalServer(ctx);
  await restartPostgres(ctx);
  await walk;
  tenants.sims[0]!.state.setFaults('');
  await writer;
  const allDone = await until(
    'every daily run to close',
    async () => {
      for (const w of workflows) if (!(await closedStatus(client, w))) return undefined;
      return Date.now();
    },
    1_800_000,
    2_000,
  );
  const statuses = await Promise.all(workflows.map((w) => closedStatus(client, w)));
  const completed = statuses.filter((s) => s === 'COMPLETED').length;
  record(ctx, `${tenants.sims.length} tenants scheduled at the same minute`, fire.ms, `${completed}/${workflows.length} daily runs completed`, allDone);

  const dbPath = path.join(cluster.dataDir, 'm365.duckdb');
  const drillAnswers = await answerFingerprints(dbPath, ctx.snapshotDate);
  const reclamations = await reclaimUnderFaults(ctx, config);

  ctx.say('clean run: the same simulated day, one process, a fresh warehouse...');
  const cleanAnswers = await cleanRun(cluster, plan, ctx, teardown);

  const problems: string[] = [];
  const runs = await checkRuns(
    dbPath,
    tenants.sims.map((s) => s.tenantId),
    ctx.snapshotDate,
  );
  const dups = await checkDuplicates(dbPath, historyRootFor(cluster.config.workDbPath));
  const left = halfPublished(dbPath);
  const rec = await checkReclamations(ctx, reclamations);
  const diff = compareAnswers(drillAnswers, cleanAnswers);
  problems.push(...runs.problems, ...dups.problems, ...left.map((f) => `left half-published: ${f}`), ...rec.problems, ...diff.map((d) => `answers differ: ${d}`));
  if (completed !== workflows.length) problems.push(`${workflows.length - completed} daily runs did not complete`);
  const unrecovered = ctx.faults.filter((f) => f.recovered_s === null);
  problems.push(...unrecovered.map((f) => `never recovered: ${f.fault}`));
  return {
    ok: problems.length === 0,
    faults: ctx.faults,
    tenants: tenants.sims.length,
    runs_expected: runs.expected,
    runs_succeeded: runs.succeeded,
    duplicate_rows: dups.duplicateRows,
    reclamations_approved: rec.approved,
    reclamations_executed_once: rec.executedOnce,
    wrongly_removed: rec.wronglyRemoved,
    answers_equal_clean_run: diff.length === 0 && Object.keys(drillAnswers).length > 0,
    answers_compared: Object.keys(drillAnswers).length,
    half_published: left.length,
    problems,
  };
}

/** The same tenants (same seeds, same day) loaded by one process into a fresh warehouse on its own queue. */
async function cleanRun(cluster: Cluster, plan: TenantPlan, ctx: DrillContext, teardown: Teardown): Promise<Record<string, string>> {
  const dir = path.join(cluster.root, 'clean');
  const tenants = await startTenants(path.join(dir, 'tenants'), plan);
  teardown.add(() => tenants.close());
  const taskQueue = 'drill-clean';
  const service = cluster.services.find((s) => s.command.includes('--warehouse-only'))!;
  const env = cluster.envFor(service, {
    M365_TENANTS_FILE: tenants.tenantsFile,
    M365_DATA_DIR: path.join(dir, 'data'),
    M365_DB: path.join(dir, 'data', 'm365.duckdb'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'info',
  });
  const single = new Replica('clean-worker', 'clean', ['worker'], env, path.join(cluster.root, 'logs'));
  teardown.add(() => single.close());
  await single.start();
  const handles = [];
  for (const s of tenants.sims) {
    // Not the drill's workflow ids: the clean run is a separate deployment that happens to share the server.
    handles.push(
      await cluster.client.workflow.start('dailySync', {
        taskQueue,
        workflowId: `clean-${dailyWorkflowId(s.tenantId, ctx.snapshotDate)}`,
        args: [{ tenantId: s.tenantId, snapshotDate: ctx.snapshotDate, keepRuns: cluster.config.keepRuns, needReclaim: cluster.config.reclaimEnabled }],
      }),
    );
  }
  for (const h of handles) await h.result();
  await single.close();
  await tenants.close();
  return answerFingerprints(path.join(dir, 'data', 'm365.duckdb'), ctx.snapshotDate);
}
