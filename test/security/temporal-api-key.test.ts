// API keys, Temporal Cloud's other way in, through the configuration path the worker and the CLI use
// (TEMPORAL_API_KEY → temporalConnectionOptions). The dev server takes no API keys, so this runs the project's
// Temporal server with keys by role (TEMPORAL_API_KEYS_FILE holds only their SHA-256). That server still requires a
// client certificate on every connection (the configuration docker-compose.yml runs), so callers here present one
// whose unit has no role: whatever they may do, they may do because of the key.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerNamespace, serverEnvironment, startTemporalServer, type TemporalServer } from '../../scripts/drill/temporal-cluster';
import { withTemporalClient } from '../../src/cli/temporal-connection';
import { parseConfig } from '../../src/config';
import { temporalConnectionOptions } from '../../src/temporal/tls';
import { createTemporalPki, type TemporalPki } from '../support/temporal-pki';
import { realTemporalServer } from '../support/temporal-server';
import { uniqueName } from '../support/temporal';

const real = await realTemporalServer();
const PERMISSION_DENIED = 7;
const key = () => randomBytes(24).toString('base64url');
const sha256 = (k: string) => createHash('sha256').update(k).digest('hex');

async function codeOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    const e = err as { code?: number; cause?: { code?: number; cause?: { code?: number } } };
    return e.code ?? e.cause?.code ?? e.cause?.cause?.code ?? -1;
  }
}

describe.skipIf(!real.bins)(`TEMPORAL_API_KEY against a server that checks API keys${real.skip ? ` (skipped: ${real.skip})` : ''}`, () => {
  let dir: string;
  let pki: TemporalPki;
  let server: TemporalServer;
  const keys = { people: key(), worker: key(), operator: key() };
  /** The environment a person's CLI or a worker host would have. */
  const envWith = (apiKey?: string) => ({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TLS_CA: pki.caFile,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_CERT: pki.client('m365-strangers').cert,
    TEMPORAL_TLS_KEY: pki.client('m365-strangers').key,
    ...(apiKey ? { TEMPORAL_API_KEY: apiKey } : {}),
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-api-key-'));
    pki = createTemporalPki(dir);
    const keysFile = path.join(dir, 'api-keys');
    writeFileSync(keysFile, `# role sha256\npeople ${sha256(keys.people)}\nworker ${sha256(keys.worker)}\noperator ${sha256(keys.operator)}\n`, { mode: 0o600 });
    const tls = {
      serverNameOverride: 'localhost',
      serverRootCACertificate: readFileSync(pki.caFile),
      clientCertPair: { crt: readFileSync(pki.client('m365-strangers').cert), key: readFileSync(pki.client('m365-strangers').key) },
    };
    server = await startTemporalServer({
      bins: real.bins!,
      dir,
      env: {
        ...serverEnvironment({ kind: 'sqlite-memory' }, { certFile: pki.server.cert, keyFile: pki.server.key, caFile: pki.caFile }),
        TEMPORAL_API_KEYS_FILE: keysFile,
      },
      authorizer: 'roles',
      ready: async (address) => {
        const c = await Connection.connect({ address, tls, apiKey: keys.operator, connectTimeout: 2_000 });
        try {
          await c.workflowService.describeNamespace({ namespace: 'temporal-system' });
        } finally {
          await c.close();
        }
      },
    });
    await registerNamespace(server.address, 'default', { tls, apiKey: keys.operator });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a worker with the workers' key and the CLI with the people's key run a workflow", async () => {
    const taskQueue = uniqueName('api-key');
    const connection = await NativeConnection.connect({ address: server.address, ...temporalConnectionOptions(parseConfig(envWith(keys.worker))) });
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: { echo: async (m: string) => `activity echoed ${m}` },
    });
    const result = await worker.runUntil(
      withTemporalClient(parseConfig(envWith(keys.people)), async (client) =>
        (await client.workflow.start('healthCheck', { taskQueue, workflowId: uniqueName('api-key'), args: ['hi'] })).result(),
      ),
    );
    await connection.close();
    expect(result).toBe('workflow saw: activity echoed hi');
  }, 120_000);

  it("refuses a caller without a key, with a wrong key, and people's key on task APIs", async () => {
    const start = (apiKey?: string) =>
      withTemporalClient(parseConfig(envWith(apiKey)), (client) => client.workflow.start('healthCheck', { taskQueue: 'nobody', workflowId: uniqueName('k'), args: ['x'] }));
    expect(await codeOf(start())).toBe(PERMISSION_DENIED);
    expect(await codeOf(start(key()))).toBe(PERMISSION_DENIED);
    const people = await Connection.connect({ address: server.address, ...temporalConnectionOptions(parseConfig(envWith(keys.people))) });
    try {
      expect(await codeOf(people.workflowService.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: 'q' }, identity: 'rogue' }))).toBe(PERMISSION_DENIED);
    } finally {
      await people.close();
    }
  });

  it('never sends a key in plaintext: a key alone turns TLS on', async () => {
    const opts = temporalConnectionOptions(parseConfig({ TEMPORAL_API_KEY: keys.people }));
    expect(opts.apiKey).toBe(keys.people);
    // A bare TCP listener sees what the client sends first: a TLS handshake record (0x16), not HTTP/2 with the key.
    const first = new Promise<number>((resolve) => {
      const srv = net.createServer((socket) =>
        socket.once('data', (b: Buffer) => {
          resolve(b[0]!);
          socket.destroy();
          srv.close();
        }),
      );
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        void Connection.connect({ address: `127.0.0.1:${port}`, ...opts, connectTimeout: 3_000 }).then(
          (c) => c.close(),
          () => {},
        );
      });
    });
    expect(await first).toBe(0x16);
  });
});
