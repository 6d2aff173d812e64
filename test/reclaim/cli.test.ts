// The `reclaim` commands as an operator runs them: a UPN is resolved to the object id before the workflow starts,
// the requester signs in (device-code flow, or a sealed token from `auth token`), `status` shows the run and scope
// hash a decision binds to, `approve` answers at once through a Workflow Update; bulk requests come from the
// published candidates, duplicates are refused, usage errors exit 2.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../src/cli/dev-job';
import { startDailySync } from '../../src/cli/start-daily';
import { reclaimWorkflowId } from '../../src/shared/names';
import { historyText } from '../helpers/history';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline';
import { connectClient, temporalAddress } from '../helpers/temporal';
import { People, JWT_IN_TEXT } from './approvals';
import { auditRows, directOnly, userPicker, waitForStatus } from './helpers';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
const TODAY = new Date().toISOString().slice(0, 10);

describe('m365-license reclaim (CLI)', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;
  const started: string[] = [];

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 500, seed: 73, today: TODAY } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    const h = await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue });
    await h.result();
  }, 120_000);
  afterAll(async () => {
    for (const id of started) await client.client.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = { ...process.env, ...simulatorEnv(p.sim, p.dataDir), TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue };
    try {
      const r = await exec(process.execPath, [BIN, 'reclaim', ...args], { env, cwd: p.dataDir });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('request --user UPN (signing in), status shows run and scope hash, approve --scope executes; names and text stay out of history', async () => {
    const u = userPicker(p.sim)(directOnly);
    // The requester signs in with the device-code flow; the simulator approves the code as admin 0.
    p.sim.state.directory.autoApprove = people.id('requester');
    let r;
    try {
      r = await cli('request', '--user', u.upn, '--reason', 'left the company in May');
    } finally {
      p.sim.state.directory.autoApprove = undefined;
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/enter the code/);
    const id = reclaimWorkflowId(p.sim.tenantId, u.id);
    started.push(id);
    expect(r.stdout.trim()).toBe(id);
    const again = await cli('request', '--user', u.id, '--token', people.token('requester'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already open/);

    const waiting = await waitForStatus(client.client, id, (s) => s.status === 'awaiting_approval');
    const status = await cli('status', id);
    expect(status.stdout).toContain(`--scope ${waiting.scopeHash}`);
    expect(status.stdout).toContain(`run ${waiting.runId}`);
    expect(status.stdout).toContain('identity: verified');
    expect(status.stdout).toContain(`requested by ${people.id('requester')} (${people.upn('requester')})`);
    expect(status.stdout).toContain('reason (audit trail): left the company in May');

    const self = await cli('approve', id, '--token', people.token('requester'), '--scope', waiting.scopeHash);
    expect(self.code).toBe(1);
    expect(self.stdout).toMatch(/refused: self_approval/);
    const stale = await cli('approve', id, '--token', people.token('approver'), '--scope', 'a'.repeat(64));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/no longer the one you reviewed/);
    const a = await cli('approve', id, '--token', people.token('approver'), '--scope', waiting.scopeHash, '--comment', 'fine by the manager');
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`approved: ${id} \\(by ${people.id('approver')}\\)`));
    const s = await client.client.workflow.getHandle(id).result();
    expect(s.status).toBe('executed');

    const rows = await auditRows(p.config.dbPath, id);
    expect(rows.find((x) => x.event === 'requested')).toMatchObject({ actor: people.id('requester'), actor_upn: people.upn('requester'), reason: 'left the company in May' });
    expect(rows.find((x) => x.event === 'approved')).toMatchObject({ actor: people.id('approver'), reason: 'fine by the manager' });
    const text = await historyText(client.client, id);
    for (const secret of [u.upn, u.displayName, people.upn('requester'), people.upn('approver'), 'left the company', 'fine by the manager']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(JWT_IN_TEXT);
  });

  it('request --from-candidates --limit K starts K workflows; repeating it refuses the open ones', async () => {
    const token = people.token('requester');
    const r = await cli('request', '--from-candidates', '--limit', '2', '--token', token, '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { workflowId: string; started: boolean });
    expect(lines).toHaveLength(2);
    started.push(...lines.map((l) => l.workflowId));
    expect(lines.every((l) => l.started)).toBe(true);
    const again = await cli('request', '--from-candidates', '--limit', '2', '--token', token, '--json');
    const refused = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as { workflowId: string; started: boolean; reason?: string });
    expect(refused.map((l) => l.workflowId)).toEqual(lines.map((l) => l.workflowId));
    expect(refused.every((l) => !l.started && l.reason === 'already_open')).toBe(true);
  });

  it('usage errors exit 2: a bare name, a raw (unsealed) token, a bad id or scope', async () => {
    const id = `reclaim-${p.sim.tenantId}-00000000-0000-0000-0000-000000000000`;
    expect((await cli('request')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--from-candidates')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--skus', 'E5')).code).toBe(2);
    expect((await cli('approve', 'not-an-id', '--token', people.token('approver'))).code).toBe(2);
    expect((await cli('reject', id, '--token', people.token('approver'))).code).toBe(2); // no --reason
    const byName = await cli('approve', id, '--by', 'bob');
    expect(byName.code).toBe(2);
    expect(byName.stderr).toMatch(/--by names nobody/);
    expect((await cli('approve', id, '--token', p.sim.idToken(people.id('approver')))).code).toBe(2);
    expect((await cli('approve', id, '--scope', 'nope')).code).toBe(2);
  });
});
