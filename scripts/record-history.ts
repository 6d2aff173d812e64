// Records a workflow history for the replay tests: starts a dev server and a worker, runs one scenario,
// and saves `temporal workflow show --output json` under test/fixtures/histories/<scenario>.json.
// Usage: node --import tsx scripts/record-history.ts <scenario>
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../src/config';
import { runTemporalCli } from '../src/temporal/cli-binary';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { createWorkers, runWorkers } from '../src/worker';
import { scenarios } from './history-scenarios';

const name = process.argv[2] ?? '';
const scenario = scenarios[name];
if (!scenario) {
  process.stderr.write(`usage: record-history.ts <${Object.keys(scenarios).join('|')}>\n`);
  process.exit(2);
}

installTemporalRuntime('WARN');
const server = await startDevServer();
const abort = new AbortController();
try {
  const prepared = await scenario.prepare();
  const config = { ...parseConfig(prepared.env ?? {}) };
  const workers = await createWorkers({ connection: await NativeConnection.connect({ address: server.address }), namespace: 'default', deps: { config } });
  const running = runWorkers(workers, abort.signal);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workflowId = await scenario.run(client);
  const json = runTemporalCli(server.cliPath, ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json']);
  const file = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'histories', `${name}.json`);
  writeFileSync(file, json);
  process.stdout.write(`recorded ${workflowId} -> ${file}\n`);
  abort.abort();
  await running;
  await connection.close();
  await prepared.close?.();
} finally {
  await server.stop();
}
