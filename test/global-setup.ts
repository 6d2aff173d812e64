// One Temporal dev server and one workflow bundle for the whole test run; both are shared with test files
// through `inject`. The server is stopped at the end even when tests fail.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { workflowsPath } from '../src/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Local convenience for suites that need no Temporal (simulator, warehouse); CI never sets it.
  if (process.env.TEMPORAL_TEST_SKIP_SERVER === '1') {
    project.provide('temporalAddress', '');
    project.provide('temporalCli', '');
    project.provide('workflowBundlePath', '');
    return async () => {};
  }
  const [srv, bundle] = await Promise.all([startDevServer({ readyTimeoutMs: 90_000 }), bundleWorkflowCode({ workflowsPath, logger: silentLogger })]);
  server = srv;
  const dir = path.join(os.tmpdir(), `m365-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.stderr.write(`Temporal dev server ${srv.address} ready in ${srv.startupMs} ms (pid ${srv.pid})\n`);
  project.provide('temporalAddress', srv.address);
  project.provide('temporalCli', srv.cliPath);
  project.provide('workflowBundlePath', bundlePath);
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  // Also stop on an interrupted run, so no temporal process outlives the tests.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(130)));
  return stop;
}

const silentLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (msg: string) => process.stderr.write(`bundle warning: ${msg}\n`),
  error: (msg: string) => process.stderr.write(`bundle error: ${msg}\n`),
};
