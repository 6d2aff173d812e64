// Records workflow histories for the replay test: starts a Temporal dev server and, per scenario, a simulator
// and the real workers; runs the scenario and saves `temporal workflow show --output json` under
// test/fixtures/histories/<scenario>.json. A parked scenario's workflow is saved while still open, then terminated.
// Usage: node --import tsx scripts/record-history.ts <scenario...|all>
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseConfig } from '../src/config';
import { runTemporalCli } from '../src/temporal/cli-binary';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { createWorkers, runWorkers } from '../src/worker';
import { prepare, scenarios } from './history-scenarios';

const args = process.argv.slice(2);
const names = args.includes('all') ? Object.keys(scenarios) : args;
const unknown = names.filter((n) => !scenarios[n]);
if (names.length === 0 || unknown.length) {
  process.stderr.write(`usage: record-history.ts <${Object.keys(scenarios).join('|')}|all>...\n`);
  process.exit(2);
}

/** A bundle of other workflow code (the code before a patch), written where the worker can load it. */
async function bundleOf(workflowsPath: string): Promise<string> {
  const quiet = () => {};
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m: string) => process.stderr.write(`${m}\n`) },
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'record-history-bundle-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

installTemporalRuntime('WARN');
const server = await startDevServer();
try {
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  for (const name of names) {
    const scenario = scenarios[name]!;
    const prepared = await prepare(scenario);
    const abort = new AbortController();
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const workflowBundlePath = scenario.workflowsPath ? await bundleOf(scenario.workflowsPath) : undefined;
    const workers = await createWorkers({
      connection: workerConnection,
      namespace: 'default',
      deps: { config: parseConfig(prepared.env) },
      ...(workflowBundlePath ? { workflowBundlePath } : {}),
    });
    const running = runWorkers(workers, abort.signal);
    try {
      const { workflowId, parked } = await scenario.run(client, prepared.sim, prepared.env);
      const json = runTemporalCli(server.cliPath, ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json']);
      const file = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'histories', `${name}.json`);
      writeFileSync(file, json);
      if (parked) await client.workflow.getHandle(workflowId).terminate('recorded as a parked history');
      process.stdout.write(`recorded ${name}: ${workflowId}${parked ? ' (parked, then terminated)' : ''} -> ${path.relative(process.cwd(), file)}\n`);
    } finally {
      abort.abort();
      await running;
      await workerConnection.close();
      await prepared.close();
    }
  }
  await connection.close();
} finally {
  await server.stop();
}
