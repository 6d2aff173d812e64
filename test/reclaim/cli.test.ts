// The `reclaim` commands as an operator runs them: a UPN is resolved to the object id before the workflow
// starts, bulk requests come from the published candidates, duplicates are refused, usage errors exit 2.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDailySync } from '../../src/cli/start-daily';
import { reclaimWorkflowId } from '../../src/shared/names';
import { historyText } from '../helpers/history';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline';
import { connectClient, temporalAddress, uniqueName } from '../helpers/temporal';
import { directOnly, userPicker } from './helpers';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');

describe('m365-license reclaim (CLI)', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  const started: string[] = [];
  const cliQueue = uniqueName('reclaim-cli');

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 500, seed: 73, today: '2026-11-27' } });
    client = await connectClient();
    const h = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: '2026-11-27' }, { taskQueue: p.taskQueue });
    await h.result();
  }, 120_000);
  afterAll(async () => {
    // Nothing serves the CLI's queue: end what was started.
    for (const id of started) await client.client.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = {
      ...process.env,
      M365_TENANT_ID: p.sim.tenantId,
      M365_CLIENT_ID: p.sim.clientId,
      M365_CLIENT_SECRET: p.sim.clientSecret,
      M365_AUTHORITY_HOST: p.sim.authorityHost,
      M365_GRAPH_URL: p.sim.graphUrl,
      M365_CA_FILE: p.sim.caFile,
      M365_DATA_DIR: p.dataDir,
      TEMPORAL_ADDRESS: temporalAddress(),
      // A queue of its own that no worker serves, so nothing else on the shared server picks these workflows up.
      TEMPORAL_TASK_QUEUE: cliQueue,
    };
    try {
      const r = await exec(process.execPath, [BIN, 'reclaim', ...args], { env, cwd: p.dataDir });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('request --user UPN starts reclaim-<tenant>-<objectId>; the UPN never reaches history; approve signals it', async () => {
    const u = userPicker(p.sim)(directOnly);
    const r = await cli('request', '--user', u.upn, '--reason', 'inactive', '--by', 'alice');
    expect(r.code, r.stderr).toBe(0);
    const id = reclaimWorkflowId(p.sim.tenantId, u.id);
    started.push(id);
    expect(r.stdout.trim()).toBe(id);
    const again = await cli('request', '--user', u.id, '--by', 'alice');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already open/);
    const a = await cli('approve', id, '--by', 'bob', '--comment', 'fine');
    expect(a.code, a.stderr).toBe(0);
    const text = await historyText(client.client, id);
    expect(text).toContain('"by":"bob"');
    expect(text).not.toContain(u.upn);
    expect(text).not.toContain(u.displayName);
  });

  it('request --from-candidates --limit K starts K workflows; repeating it refuses the open ones', async () => {
    const r = await cli('request', '--from-candidates', '--limit', '2', '--by', 'alice', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { workflowId: string; started: boolean });
    expect(lines).toHaveLength(2);
    started.push(...lines.map((l) => l.workflowId));
    expect(lines.every((l) => l.started)).toBe(true);
    const again = await cli('request', '--from-candidates', '--limit', '2', '--by', 'alice', '--json');
    const refused = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as { workflowId: string; started: boolean; reason?: string });
    expect(refused.map((l) => l.workflowId)).toEqual(lines.map((l) => l.workflowId));
    expect(refused.every((l) => !l.started && l.reason === 'already_open')).toBe(true);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('request')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--from-candidates')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--skus', 'E5')).code).toBe(2);
    expect((await cli('approve', 'not-an-id', '--by', 'bob')).code).toBe(2);
    expect((await cli('reject', `reclaim-${p.sim.tenantId}-00000000-0000-0000-0000-000000000000`, '--by', 'bob')).code).toBe(2);
  });
});
