// No personal data reaches Temporal. Users-walk heartbeats carry page numbers and
// counts only (Graph skiptokens can encode UPNs), the next link stays on disk and the walk resumes from it;
// a malformed report row fails the run once, naming file and line, with no row value in history.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractActivities, type StagedFile } from '../../src/activities/extract';
import { createGraphFactory } from '../../src/activities/graph-context';
import { runStagingDir, usersCursorFile } from '../../src/activities/staging-layout';
import { startDailySync } from '../../src/cli/start-daily';
import { openReadOnly } from '../../src/warehouse';
import { NON_RETRYABLE } from '../../src/shared/errors';
import { historyText } from '../support/history';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient } from '../support/temporal';
import { daysBefore, todayUtc } from '../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();
const D = (daysAgo: number): string => daysBefore(TODAY, daysAgo);

describe('users walk heartbeats', () => {
  let p: PipelineFixture;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 2500, seed: 5, today: TODAY }, workers: false });
  });
  afterAll(async () => p?.stop());

  it('beat with page and count only; the next link is kept on disk and the walk resumes from it', async () => {
    const activities = createExtractActivities({ dataDir: p.config.dataDir, graphFor: createGraphFactory(p.config) });
    const input = { tenantId: p.sim.tenantId, runId: 'hb-run' };
    const runDir = runStagingDir(p.config.dataDir, input.tenantId, input.runId);
    const beats: unknown[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const first: StagedFile = await env.run(activities.extractUsers, input);
    expect(first.count).toBe(2500);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    for (const b of beats) expect(Object.keys(b as object).sort()).toEqual(['count', 'page']);
    expect(JSON.stringify(beats)).not.toMatch(/skiptoken|nextLink|http/i);
    // The cursor is gone once the walk ends.
    expect(existsSync(usersCursorFile(runDir))).toBe(false);

    // A retry after page 1: its heartbeat said page 1, the cursor on disk holds page 1's next link.
    const usersDir = path.join(runDir, 'users');
    const page1 = path.join(usersDir, 'page-0001.json');
    const nextLink = (JSON.parse(readFileSync(page1, 'utf8')) as { '@odata.nextLink': string })['@odata.nextLink'];
    const firstPageCount = (JSON.parse(readFileSync(page1, 'utf8')) as { value: unknown[] }).value.length;
    for (const f of readdirSync(usersDir)) if (f !== 'page-0001.json') rmSync(path.join(usersDir, f));
    writeFileSync(usersCursorFile(runDir), JSON.stringify({ page: 1, count: firstPageCount, nextLink }));
    const page1Inode = statSync(page1).ino;
    p.sim.requestLog.length = 0;
    const resumed: StagedFile = await new MockActivityEnvironment({ heartbeatDetails: { page: 1, count: firstPageCount } }).run(activities.extractUsers, input);
    expect(resumed.count).toBe(2500);
    expect(resumed.sha256).toBe(first.sha256);
    expect(statSync(page1).ino).toBe(page1Inode); // page 1 was kept, not fetched again
    const userCalls = p.sim.requestLog.filter((e) => e.path.startsWith('/v1.0/users'));
    expect(userCalls.length).toBe(2);
    expect(userCalls.every((e) => /skiptoken/i.test(e.path))).toBe(true);
  });
});

describe('a malformed report row', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 400, seed: 9, today: TODAY } });
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  it('fails the run at once with file and line, and no UPN anywhere in history or in the recorded run', async () => {
    p.sim.state.setFaults('download:malformed@0.02');
    const handle = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: D(1) }, { taskQueue: p.taskQueue });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(NON_RETRYABLE).toContain('MalformedRowError');

    const history = await handle.fetchHistory();
    const names = new Map<string, string>();
    let failure: { type?: string | null; message?: string | null } | undefined;
    const attempts: Array<[string, number]> = [];
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes) names.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
      const started = e.activityTaskStartedEventAttributes;
      if (started) attempts.push([names.get(String(started.scheduledEventId)) ?? '', started.attempt ?? 0]);
      const failed = e.activityTaskFailedEventAttributes;
      if (failed) failure = { type: failed.failure?.applicationFailureInfo?.type, message: failed.failure?.message };
    }
    expect(failure?.type).toBe('MalformedRowError');
    expect(failure?.message).toMatch(/Staged file .*\/reports\/get\w+\.csv is malformed at line \d+/);
    // Failed on its first attempt: no 5-10 retries of a file that cannot heal.
    expect(attempts.filter(([n]) => n === 'detect' || n === 'loadAndPublish').every(([, a]) => a === 1)).toBe(true);

    const text = await historyText(client.client, handle.workflowId);
    const domain = p.sim.state.userAt(0).userPrincipalName.split('@')[1]!;
    expect(text).not.toContain(`@${domain}`);
    for (const i of [0, 1, 2, 50, 399]) expect(text).not.toContain(p.sim.state.userAt(i).displayName);

    // The recorded run names the file and line too, and carries no row value either.
    const db = await openReadOnly(p.config.dbPath);
    try {
      const rows = (await db.query(`SELECT status, message FROM runs WHERE tenant_id = '${p.sim.tenantId}'`)).rows as Array<{ status: string; message: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('failed');
      expect(rows[0]!.message).toMatch(/malformed at line \d+/);
      expect(rows[0]!.message).not.toContain(`@${domain}`);
    } finally {
      db.close();
    }
    p.sim.state.setFaults('');
  });
});
