// Temporal's time-skipping test server for tests of long workflow timers (reminders, notice periods). The launcher
// comes from src/temporal/test-server.ts (the JVM build from Maven Central when offline); it is started here and
// given a minute to come up, since a JVM on a busy 2-core machine misses the SDK's 5-second start limit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { findTestServer } from '../../src/temporal/test-server';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export async function startTimeSkipping(readyTimeoutMs = 90_000): Promise<TimeSkipping> {
  const exe = findTestServer();
  if (exe.type === 'cached-download') {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    return { env, stop: () => env.teardown() };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(exe.path, [String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal test server (${exe.path}) did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // `create` is how createTimeSkipping itself connects; it is private in the types only.
  const create = (TestWorkflowEnvironment as unknown as { create(o: Record<string, unknown>): Promise<TestWorkflowEnvironment> }).create.bind(TestWorkflowEnvironment);
  const env = await create({ server: { type: 'existing' }, address: `127.0.0.1:${port}`, supportsTimeSkipping: true, namespace: 'default' });
  // The reclamation's inbox attributes, as `dev` registers them on the dev server.
  const types = temporal.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(CUSTOM_SEARCH_ATTRIBUTES.map((a) => [a.name, a.type === 'INT' ? types.INDEXED_VALUE_TYPE_INT : types.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return {
    env,
    stop: async () => {
      await env.teardown();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
