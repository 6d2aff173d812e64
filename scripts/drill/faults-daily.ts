// Faults that strike the daily runs: a Graph worker killed mid users walk, the writer killed mid-load and
// mid-publish, the Temporal server and PostgreSQL restarted while work is open. Each waits for its moment,
// strikes, and measures until the affected work completed again.
import { dailyWorkflowId } from '../../src/shared/names';
import { closedStatus, pendingActivities, record, sleep, until, type DrillContext } from './context';
import type { Replica } from './processes';

/** The replica whose poll took the activity (Temporal records the poller's identity). */
const holderOf = (ctx: DrillContext, identity: string): Replica | undefined => ctx.graphWorkers.find((r) => r.identity === identity);

/** 1. SIGKILL of the Graph worker walking the big tenant's users; the other worker continues from the cursor. */
export async function killGraphWorkerMidWalk(ctx: DrillContext, onStruck: () => void = () => {}): Promise<void> {
  const sim = ctx.tenants.sims[0]!;
  const wf = dailyWorkflowId(sim.tenantId, ctx.snapshotDate);
  const walking = await until(
    'the first users pages of tenant 0',
    async () => {
      const a = (await pendingActivities(ctx.client, wf)).find((p) => p.type === 'extractUsers' && p.state === 'started');
      return a && sim.state.requests('users').length >= 3 ? a : undefined;
    },
    600_000,
    100,
  );
  const victim = holderOf(ctx, walking.worker);
  if (!victim) throw new Error(`extractUsers is held by ${walking.worker}, not one of the drill's Graph workers`);
  const pagesBefore = sim.state.requests('users').length;
  const struck = Date.now();
  await victim.kill('SIGKILL');
  onStruck();
  // The activity's heartbeat times out (120 s), then another poller takes attempt 2.
  const retried = await until(
    'extractUsers retried elsewhere',
    async () => {
      const a = (await pendingActivities(ctx.client, wf)).find((p) => p.type === 'extractUsers');
      if (!a) return { worker: 'done', attempt: 0 };
      return a.attempt > 1 && a.state === 'started' ? a : undefined;
    },
    400_000,
    500,
  );
  const done = await until(
    'extractUsers of tenant 0 to finish',
    async () => {
      const a = (await pendingActivities(ctx.client, wf)).find((p) => p.type === 'extractUsers');
      return a ? undefined : Date.now();
    },
    400_000,
    500,
  );
  const taker = retried.worker === 'done' ? 'unknown' : (holderOf(ctx, retried.worker)?.name ?? retried.worker);
  const pagesTotal = sim.state.requests('users').length;
  record(
    ctx,
    'Graph worker SIGKILL mid users walk',
    struck,
    `${victim.name} died after ${pagesBefore} users pages; attempt ${retried.attempt} on ${taker} after the heartbeat timeout, ${pagesTotal - pagesBefore} more pages`,
    done,
  );
  // Compose's restart policy brings it back; the drill does so once the walk was taken over.
  await victim.start();
}

/** The writer's log line of an activity starting, loading done, and publishing done. */
const startedLoad = (line: string) => line.includes('loadAndPublish') && /Activity started|"activity started"/i.test(line);
const loaded = (line: string) => line.includes('"msg":"loaded"');
const published = (line: string) => line.includes('"msg":"published"');

/** 2. SIGKILL of the writer in the middle of a load, then of a publish; compose restarts it after each. */
export async function killWriterMidLoadAndPublish(ctx: DrillContext): Promise<void> {
  const recoveries: Array<Promise<void>> = [];
  for (const phase of ['load', 'publish'] as const) {
    // The publish strike waits for the next load to finish on the restarted writer: another tenant's, or the retry
    // of the load killed a moment ago.
    const { struck, workflowId } = await strikeWriter(ctx, phase);
    await sleep(2_000);
    await ctx.writer.start();
    recoveries.push(recordWriterRecovery(ctx, phase, struck, workflowId, ctx.writer.starts));
  }
  await Promise.all(recoveries);
}

async function strikeWriter(ctx: DrillContext, phase: 'load' | 'publish'): Promise<{ struck: number; workflowId: string }> {
  for (let tries = 0; tries < 20; tries++) {
    const line = await ctx.writer.waitForLine(phase === 'load' ? startedLoad : loaded, 900_000);
    // The activity's log lines name its workflow; the load's own lines also name the tenant.
    const workflowId = /"workflowId":"(daily-[^"]+)"/.exec(line)?.[1] ?? '';
    // Mid-load: a moment into the load; mid-publish: at once (the publish follows the load in the same activity).
    let finished = false;
    const off = ctx.writer.onLine((l) => (finished ||= phase === 'load' ? loaded(l) : published(l)));
    if (phase === 'load') await sleep(150);
    off();
    if (finished) continue; // too quick this time: wait for the next one
    const struck = Date.now();
    await ctx.writer.kill('SIGKILL');
    return { struck, workflowId };
  }
  throw new Error(`never caught the writer in a ${phase}`);
}

async function recordWriterRecovery(ctx: DrillContext, phase: 'load' | 'publish', struck: number, victim: string, start: number): Promise<void> {
  const workflows = ctx.tenants.sims.map((s) => dailyWorkflowId(s.tenantId, ctx.snapshotDate));
  // Recovered when the run being loaded has completed (its load retried and published); for a load killed before
  // it logged its tenant, when every run has.
  const targets = workflows.includes(victim) ? [victim] : workflows;
  // As long as every run may take to close: the retried load queues behind every other tenant's load.
  const doneAt = await until(
    `the run loaded at the ${phase} kill to complete`,
    async () => {
      for (const w of targets) if (!(await closedStatus(ctx.client, w))) return undefined;
      return Date.now();
    },
    1_800_000,
    1_000,
  );
  record(
    ctx,
    `writer SIGKILL mid-${phase}`,
    struck,
    `restarted (start #${start}); the ${phase === 'load' ? 'load' : 'loaded run'} was retried after the heartbeat timeout${phase === 'load' ? ' from the same staging' : ' and published'}${targets.length === 1 ? '' : ` (${targets.length} runs waited for)`}`,
    doneAt,
  );
}

/** 3. The Temporal server killed while activities run, started again on the same database. */
export async function restartTemporalServer(ctx: DrillContext, downMs = 3_000): Promise<void> {
  const running = await until(
    'an activity running',
    async () => {
      for (const s of ctx.tenants.sims) {
        const a = (await pendingActivities(ctx.client, dailyWorkflowId(s.tenantId, ctx.snapshotDate))).find((p) => p.state === 'started');
        if (a) return a;
      }
      return undefined;
    },
    300_000,
    200,
  );
  const struck = Date.now();
  await ctx.server.restart(downMs);
  const back = Date.now();
  const roundTrip = await healthRoundTrip(ctx);
  record(
    ctx,
    'Temporal server SIGKILL + restart',
    struck,
    `${running.type} was running; server back after ${((back - struck) / 1000).toFixed(1)} s, workers reconnected by themselves`,
    roundTrip,
  );
}

/** 4. PostgreSQL stopped at once (no checkpoint) and started again while workflows are open. */
export async function restartPostgres(ctx: DrillContext, downMs = 5_000): Promise<void> {
  const open: string[] = [];
  for (const s of ctx.tenants.sims) {
    const w = dailyWorkflowId(s.tenantId, ctx.snapshotDate);
    if (!(await closedStatus(ctx.client, w))) open.push(w);
  }
  const struck = Date.now();
  await ctx.postgres.restart(downMs);
  const roundTrip = await healthRoundTrip(ctx);
  record(ctx, 'PostgreSQL immediate stop + restart', struck, `${open.length} daily runs open; Temporal retried its store calls, crash recovery in PostgreSQL`, roundTrip);
}

/** When a workflow started now completes an activity on a Graph worker: the cluster serves again. */
async function healthRoundTrip(ctx: DrillContext): Promise<number> {
  const id = `drill-health-${Date.now()}`;
  await until(
    'a health check round trip',
    async () => {
      const h = await ctx.client.workflow.start('healthCheck', { taskQueue: ctx.taskQueue, workflowId: id, args: ['drill'], workflowIdConflictPolicy: 'USE_EXISTING' });
      await h.result();
      return true;
    },
    300_000,
    1_000,
  );
  return Date.now();
}
