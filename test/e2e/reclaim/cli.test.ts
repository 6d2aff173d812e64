// The `reclaim` commands as an operator runs them: a UPN is resolved to the object id before the workflow starts,
// the requester signs in (device-code flow, or a sealed proof from `auth token` given by file or stdin), `status` shows the run and scope
// hash a decision binds to, `approve` answers at once through a Workflow Update; bulk requests come from the
// published candidates, duplicates are refused, usage errors exit 2.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../../src/cli/dev-job';
import { startDailySync } from '../../../src/cli/start-daily';
import { ensureApprovalKey } from '../../../src/identity/approval-key';
import { openProof } from '../../../src/identity/proof';
import { reclaimWorkflowId } from '../../../src/shared/names';
import { historyText } from '../../support/history';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient, temporalAddress } from '../../support/temporal';
import { bindingOf, People, JWT_IN_TEXT } from '../../support/reclaim-people';
import { auditRows, directOnly, userPicker, waitForStatus } from '../../support/reclaim-helpers';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../../bin/m365-license.mjs');
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
    for (const id of started)
      await client.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await client?.close();
    await p?.stop();
  });

  const cli = (...args: string[]) => cliWithStdin(undefined, ...args);
  /** Runs the CLI; `stdin` (for `--token -`) is written to it and closed. */
  const cliWithStdin = async (stdin: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = { ...process.env, ...simulatorEnv(p.sim, p.dataDir), TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue };
    try {
      const pending = exec(process.execPath, [BIN, 'reclaim', ...args], { env, cwd: p.dataDir });
      pending.child.stdin?.end(stdin ?? '');
      const r = await pending;
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
    const proofFile = path.join(p.dataDir, 'request-proof');
    writeFileSync(proofFile, `${people.token('requester', { purpose: 'request', workflowId: id })}\n`, { mode: 0o600 });
    const again = await cli('request', '--user', u.id, '--token-file', proofFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already open/);

    const waiting = await waitForStatus(client.client, id, (s) => s.status === 'awaiting_approval');
    const status = await cli('status', id);
    expect(status.stdout).toContain(`--scope ${waiting.scopeHash}`);
    expect(status.stdout).toContain(`run ${waiting.runId}`);
    expect(status.stdout).toContain('identity: verified');
    // Names and money, looked up in the published warehouse as the status is shown (history holds ids only).
    const requester = p.sim.state.userAt(p.sim.state.indexOf(people.id('requester')));
    expect(status.stdout).toContain(`requested by ${requester.displayName} <${requester.userPrincipalName}> (${people.id('requester')})`);
    expect(status.stdout).toContain(`  user ${u.displayName} <${u.upn}> (${u.id}) in tenant ${p.sim.tenantId}`);
    expect(status.stdout).toMatch(/licences to remove \(direct\), [A-Z]{3} [\d,]+\.\d\d/);
    expect(status.stdout).toContain('reason (audit trail): left the company in May');

    const bound = await bindingOf(client.client, id, 'approve');
    const self = await cli('approve', id, '--token', people.token('requester', bound), '--scope', waiting.scopeHash);
    expect(self.code).toBe(1);
    expect(self.stdout).toMatch(/refused: self_approval/);
    const stale = await cli('approve', id, '--token', people.token('approver', bound), '--scope', 'a'.repeat(64));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/no longer the one you reviewed/);
    // `auth token ID --for approve` reads the run and scope from status and binds the proof to them.
    p.sim.state.directory.autoApprove = people.id('approver');
    try {
      const env = { ...process.env, ...simulatorEnv(p.sim, p.dataDir), TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue };
      const t = await exec(process.execPath, [BIN, 'auth', 'token', id, '--for', 'approve', '--scope', waiting.scopeHash], { env, cwd: p.dataDir });
      expect(t.stderr).toContain(`"runId":"${waiting.runId}","scopeHash":"${waiting.scopeHash}"`);
      expect(openProof(t.stdout.trim(), ensureApprovalKey(p.config)).binding).toEqual(bound);
    } finally {
      p.sim.state.directory.autoApprove = undefined;
    }
    // A proof sealed to reject cannot approve, even on this run and scope.
    const wrongPurpose = await cli('approve', id, '--token', people.token('approver', { ...bound, purpose: 'reject' }), '--scope', waiting.scopeHash);
    expect(wrongPurpose.code).toBe(1);
    expect(wrongPurpose.stdout).toMatch(/refused: identity: proof_bound_elsewhere/);
    // The proof on stdin (`--token -`), kept out of the process list.
    const a = await cliWithStdin(people.token('approver', bound), 'approve', id, '--token', '-', '--scope', waiting.scopeHash, '--comment', 'fine by the manager');
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
    // One sign-in, one proof sealed per request; a given proof binds one workflow, so --token is a usage error here.
    const given = await cli('request', '--from-candidates', '--limit', '2', '--token', people.token('requester', { purpose: 'request', workflowId: 'reclaim-x' }), '--json');
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/--from-candidates signs you in here/);
    p.sim.state.directory.autoApprove = people.id('requester');
    let r;
    try {
      r = await cli('request', '--from-candidates', '--limit', '2', '--json');
    } finally {
      p.sim.state.directory.autoApprove = undefined;
    }
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { workflowId: string; started: boolean });
    expect(lines).toHaveLength(2);
    started.push(...lines.map((l) => l.workflowId));
    expect(lines.every((l) => l.started)).toBe(true);
    p.sim.state.directory.autoApprove = people.id('requester');
    let again;
    try {
      again = await cli('request', '--from-candidates', '--limit', '2', '--json');
    } finally {
      p.sim.state.directory.autoApprove = undefined;
    }
    const refused = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { workflowId: string; started: boolean; reason?: string });
    expect(refused.map((l) => l.workflowId)).toEqual(lines.map((l) => l.workflowId));
    expect(refused.every((l) => !l.started && l.reason === 'already_open')).toBe(true);
  });

  it('usage errors exit 2: a bare name, a raw (unsealed) token, a bad id or scope', async () => {
    const id = `reclaim-${p.sim.tenantId}-00000000-0000-0000-0000-000000000000`;
    expect((await cli('request')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--from-candidates')).code).toBe(2);
    expect((await cli('request', '--user', 'x', '--skus', 'E5')).code).toBe(2);
    const any = people.token('approver', { purpose: 'approve', workflowId: id });
    expect((await cli('approve', 'not-an-id', '--token', any)).code).toBe(2);
    expect((await cli('reject', id, '--token', any)).code).toBe(2); // no --reason
    expect((await cli('approve', id, '--token', any, '--token-file', '/nonexistent')).code).toBe(2);
    expect((await cli('approve', id, '--token-file', path.join(p.dataDir, 'no-such-proof'))).code).toBe(2);
    const byName = await cli('approve', id, '--by', 'bob');
    expect(byName.code).toBe(2);
    expect(byName.stderr).toMatch(/--by names nobody/);
    expect((await cli('approve', id, '--token', p.sim.idToken(people.id('approver')))).code).toBe(2);
    expect((await cli('approve', id, '--scope', 'nope')).code).toBe(2);
  });
});
