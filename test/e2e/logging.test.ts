// The worker's logs: JSON lines on stdout that name the workflow and activity of every retry and failure, and
// carry nothing personal or secret. The end-to-end case runs the real `m365-license worker` command against the
// simulator with a 429 storm and a report that cannot be read, so the run retries and then fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../src/cli/dev-job';
import { startDailySync } from '../../src/cli/start-daily';
import { createLogger } from '../../src/logger';
import { safeMeta, temporalLoggerFor } from '../../src/temporal/runtime';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { connectClient, temporalAddress, uniqueName } from '../support/temporal';
import { daysBefore, todayUtc } from '../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const D = (daysAgo: number): string => daysBefore(todayUtc(), daysAgo);

type Line = Record<string, unknown>;

/** A logger writing into an array, to look at exactly what would reach stdout. */
function capture(level: 'info' | 'debug' = 'info') {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

describe('the logger', () => {
  it('writes JSON lines at the configured level and censors known secret and personal keys', async () => {
    const { logger, lines } = capture('info');
    logger.debug({ n: 1 }, 'hidden at info');
    logger.warn({ clientSecret: 's3cret', headers: { authorization: 'Bearer eyJabc' }, user: { userPrincipalName: 'ada@contoso.com', displayName: 'Ada L' }, pages: 3 }, 'oops');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 'warn', msg: 'oops', pages: 3, clientSecret: '[redacted]' });
    expect(JSON.stringify(line)).not.toMatch(/s3cret|eyJabc|ada@contoso|Ada L/);
    expect(typeof line!.time).toBe('string');
  });

  it("turns Temporal's (message, meta) calls into pino lines without the task token or a library's cause text", async () => {
    const { logger, lines } = capture('debug');
    const csvError = new Error('Invalid Opening Quote: a quote is found on field 3 at line 7, value is "Lidia "A" Holloway"');
    const failure = new Error('Report reports/x.csv has no column "(header)". Re-run the extract.', { cause: csvError });
    failure.name = 'MalformedReportError';
    temporalLoggerFor(logger).warn('Activity failed', { error: failure, taskToken: 'CiQ2ZT-secret-token', activityType: 'detect', attempt: 2 });
    temporalLoggerFor(logger).trace('below debug: dropped');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'Activity failed', activityType: 'detect', attempt: 2, error: { name: 'MalformedReportError', causes: ['Error'] } });
    expect(JSON.stringify(lines[0])).not.toMatch(/CiQ2ZT|Holloway|taskToken/);
    expect(safeMeta(undefined)).toEqual({});
  });
});

describe('a worker at LOG_LEVEL=info through a 429 storm and a failing run', () => {
  let sim: SimulatorHandle;
  let worker: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  const taskQueue = uniqueName('log-main');

  beforeAll(async () => {
    // The first 12 /subscribedSkus calls are throttled: the first activity attempt gives up after 1 + 8 tries,
    // Temporal retries it, and attempt 2 retries 3 more times in-process; /users is throttled at random; every
    // report row is malformed, which fails the run at validation (non-retryable).
    sim = await startSimulator({ users: 300, seed: 11, faults: 'skus:429:times=12:retry=0.05,users:429@0.4:retry=0.05,download:malformed@1' });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-logging-'));
    const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'm365-license.mjs');
    worker = spawn(process.execPath, [bin, 'worker'], {
      cwd: dataDir, // no stray .env
      env: {
        ...process.env,
        ...simulatorEnv(sim, dataDir),
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    await new Promise<void>((resolve, reject) => {
      worker!.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('worker started')) resolve();
      });
      worker!.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    });
    worker.removeAllListeners('exit');
  }, 240_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await sim?.close();
  });

  it('prints retries and failures as JSON lines with workflow and activity ids, and no UPN, name, token or secret', async () => {
    const { client, close } = await connectClient();
    let workflowId: string;
    try {
      const handle = await startDailySync(client, { tenantId: sim.tenantId, snapshotDate: D(7) }, { taskQueue, force: true });
      workflowId = handle.workflowId;
      const failure = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
    } finally {
      await close();
    }
    // Let the worker flush what it logged after the workflow ended (Temporal forwards native logs every 100 ms).
    await new Promise((r) => setTimeout(r, 1000));

    const raw = stdout.split('\n').filter((l) => l.trim() !== '');
    const lines = raw.map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`stdout line is not JSON: ${l}`);
      }
    });
    for (const l of lines) {
      expect(typeof l.level).toBe('string');
      expect(typeof l.msg).toBe('string');
    }
    const ofRun = lines.filter((l) => l.workflowId === workflowId);

    // The Graph client's in-process retries, each naming its activity and attempt.
    const graphRetries = ofRun.filter((l) => typeof l.msg === 'string' && l.msg.endsWith('waiting before the retry'));
    expect(graphRetries.length).toBeGreaterThanOrEqual(8);
    for (const l of graphRetries) {
      expect(l).toMatchObject({ level: 'warn', status: 429, workflowId });
      expect(l.workflowRunId).toEqual(expect.any(String));
      expect(l.activityId).toEqual(expect.any(String));
      expect(l.activityType).toEqual(expect.any(String));
      expect(l.attempt).toEqual(expect.any(Number));
      expect(l.requestAttempt).toEqual(expect.any(Number));
    }

    // Temporal's line for the throttled attempt it then retried, and for the malformed report that ended the run.
    const failed = ofRun.filter((l) => l.msg === 'Activity failed');
    const throttled = failed.find((l) => (l.error as Line | undefined)?.name === 'GraphThrottledError');
    expect(throttled).toMatchObject({ level: 'warn', attempt: 1, workflowId, activityId: expect.any(String), activityType: expect.any(String) });
    const secondAttempt = graphRetries.filter((l) => l.activityType === throttled!.activityType && l.attempt === 2);
    expect(secondAttempt.length).toBeGreaterThan(0);
    // A row csv-parse cannot read is MalformedRowError (file and line, no values), failing on its first attempt.
    expect(failed.find((l) => (l.error as Line | undefined)?.name === 'MalformedRowError')).toMatchObject({ activityType: 'detect', attempt: 1, workflowId });

    // The workflow's own stage changes, through the workflow logger.
    const stages = ofRun.filter((l) => l.msg === 'dailySync stage').map((l) => l.to);
    expect(stages).toEqual(expect.arrayContaining(['extract', 'detect', 'failed']));
    expect(ofRun.find((l) => l.msg === 'dailySync stage')).toMatchObject({ runId: expect.any(String), sdkComponent: 'workflow' });

    // Nothing personal or secret, anywhere in the output.
    const everything = stdout + stderr;
    expect(everything).not.toContain(sim.clientSecret);
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(everything).not.toContain('taskToken');
    for (let i = 0; i < sim.state.userCount; i++) {
      const u = sim.state.userAt(i);
      expect(everything, `user ${i}`).not.toContain(u.userPrincipalName);
      expect(everything, `user ${i}`).not.toContain(u.displayName);
    }
  }, 240_000);
});
