// The approver's inbox and notifications, end to end: `reclaim list` from Temporal visibility (state, scope,
// requester as a short id, never a name), `reclaim status` of closed reclamations without any worker, and the
// webhook: awaiting approval, executed and failed reach a local receiver signed, while a failing receiver never
// holds up a decision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReclamation } from '../../../src/cli/reclaim/command';
import { startDailySync } from '../../../src/cli/start-daily';
import type { ReclaimInput } from '../../../src/workflows/reclaim/messages';
import { approve, People } from '../../support/reclaim-people';
import { directOnly, userPicker, waitForStatus, type PickedUser } from '../../support/reclaim-helpers';
import { operatorCli } from '../../support/operator-cli';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient } from '../../support/temporal';
import { startReceiver } from '../../support/webhook-receiver';
import { todayUtc } from '../../support/dates';

/** Today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();

const SECRET = 'inbox-test-secret';

interface Item {
  workflowId: string;
  userId?: string;
  user?: string;
  state: string;
  skus: number;
  requesterId: string;
  tenantId: string;
  ageSeconds: number;
  closed: boolean;
}

describe("approver's inbox, closed status and notifications", () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let pick: ReturnType<typeof userPicker>;
  let people: People;
  let workersStopped = false;

  beforeAll(async () => {
    // Awaiting-approval messages fail (503) until the test allows them: the decision must not wait for them.
    receiver = await startReceiver(SECRET);
    receiver.refuse = (kind) => kind === 'reclamation.awaiting_approval' && !receiver.allowAwaiting;
    p = await startPipeline({
      sim: { users: 400, seed: 193, today: TODAY },
      env: { M365_NOTIFY_WEBHOOK: receiver.url, M365_NOTIFY_SECRET: SECRET },
    });
    client = await connectClient();
    pick = userPicker(p.sim);
    people = new People(p.sim, p.config);
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue })).result();
  }, 120_000);
  afterAll(async () => {
    if (!workersStopped) await p?.stop();
    await client?.close();
    await receiver?.close();
  });

  const cli = (...args: string[]) => operatorCli(p, ['reclaim', ...args]);
  const list = async (...args: string[]): Promise<Item[]> => {
    const r = await cli('list', '--json', ...args);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Item[];
  };
  /** Visibility is eventually consistent: poll until the listing shows what we expect. */
  const listUntil = async (args: string[], pred: (items: Item[]) => boolean): Promise<Item[]> => {
    const deadline = Date.now() + 30_000;
    let last: Item[] = [];
    while (Date.now() < deadline) {
      last = await list(...args);
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`listing never matched: ${JSON.stringify(last)}`);
  };
  const start = (u: PickedUser, extra: Partial<ReclaimInput> = {}) =>
    startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '10 minutes', ...extra },
      { taskQueue: p.taskQueue },
    );

  it('lists awaiting reclamations with age, scope, the user and the requester by name; approving moves one to executed at once', async () => {
    const [a, b] = [pick(directOnly), pick(directOnly)];
    const ha = await start(a);
    const hb = await start(b, { requester: people.requesterFor(b.id, 'approver2') });
    await waitForStatus(client.client, ha.workflowId, (s) => s.status === 'awaiting_approval');
    await waitForStatus(client.client, hb.workflowId, (s) => s.status === 'awaiting_approval');

    const waiting = await listUntil(['--state', 'awaiting_approval'], (items) => items.length === 2);
    const itemA = waiting.find((i) => i.workflowId === ha.workflowId)!;
    expect(itemA).toMatchObject({ state: 'awaiting_approval', tenantId: p.sim.tenantId, requesterId: people.id('requester'), closed: false });
    expect(itemA.skus).toBe(a.assignments.length);
    expect(itemA.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(await list('--state', 'awaiting_approval', '--requested-by', people.id('approver2'))).toEqual([expect.objectContaining({ workflowId: hb.workflowId })]);
    const text = await cli('list');
    expect(text.stdout).toMatch(/WORKFLOW ID\s+STATE\s+AGE\s+SKUS\s+USER\s+REQUESTER/);
    expect(text.stdout).toContain(ha.workflowId);
    // Visibility holds ids only; the names beside them are looked up in the published warehouse as the list is shown.
    const requester = p.sim.state.userAt(p.sim.state.indexOf(people.id('requester')));
    const row = text.stdout.split('\n').find((l) => l.startsWith(ha.workflowId))!;
    expect(row).toContain(`${a.displayName} <${a.upn}> (${a.id})`);
    expect(row).toContain(`${requester.displayName} <${requester.userPrincipalName}> (${people.id('requester')})`);
    expect(itemA).toMatchObject({ userId: a.id, user: `${a.displayName} <${a.upn}> (${a.id})` });

    // The awaiting-approval notification is still being refused and retried; the approval goes through anyway.
    await expect.poll(() => receiver.received.some((r) => r.kind === 'reclamation.awaiting_approval' && r.status === 503), { timeout: 30_000, interval: 200 }).toBe(true);
    expect(await approve(client.client, people, ha.workflowId)).toMatchObject({ accepted: true });
    expect((await ha.result()).status).toBe('executed');
    receiver.allowAwaiting = true;

    await listUntil(['--state', 'executed'], (items) => items.some((i) => i.workflowId === ha.workflowId && i.closed));
    const open = await listUntil([], (items) => !items.some((i) => i.workflowId === ha.workflowId));
    expect(open.map((i) => i.workflowId)).toEqual([hb.workflowId]);

    // The executed message arrived signed, with ids and counts only.
    const executed = receiver.received.find((r) => r.kind === 'reclamation.executed' && r.valid)!;
    expect(executed).toBeDefined();
    const body = JSON.parse(executed.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      kind: 'reclamation.executed',
      tenantId: p.sim.tenantId,
      workflowId: ha.workflowId,
      state: 'executed',
      counts: { skus: a.assignments.length, removed: a.assignments.length },
    });
    for (const r of receiver.received) {
      expect(r.body).not.toContain(a.upn);
      expect(r.body).not.toContain(a.displayName);
      for (const who of ['requester', 'approver', 'approver2'] as const) expect(r.body).not.toContain(people.upn(who));
    }
    // Once the receiver accepts, the retried awaiting-approval message of the still-open request gets through.
    await expect
      .poll(() => receiver.received.some((r) => r.kind === 'reclamation.awaiting_approval' && r.status === 200 && r.body.includes(hb.workflowId)), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(true);
    await hb.terminate('test: closed without a result');
  }, 120_000);

  it('a reclamation that fails notifies reclamation.failed after recording it', async () => {
    const f = pick(directOnly);
    p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All']);
    try {
      const hf = await start(f);
      await expect(hf.result()).rejects.toThrow();
      const msg = receiver.received.find((r) => r.kind === 'reclamation.failed' && r.body.includes(hf.workflowId));
      expect(msg?.valid).toBe(true);
      expect(JSON.parse(msg!.body)).toMatchObject({ kind: 'reclamation.failed', tenantId: p.sim.tenantId, state: 'failed' });
      expect(msg!.body).not.toContain(f.upn);
    } finally {
      p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    }
  }, 60_000);

  it('reclaim status answers for closed reclamations with no worker running', async () => {
    const c = pick(directOnly);
    const hc = await start(c);
    await waitForStatus(client.client, hc.workflowId, (s) => s.status === 'awaiting_approval');
    expect(await approve(client.client, people, hc.workflowId)).toMatchObject({ accepted: true });
    await hc.result();
    const terminated = (await listUntil(['--all'], (items) => items.some((i) => i.state === 'awaiting_approval' && i.closed))).find(
      (i) => i.state === 'awaiting_approval' && i.closed,
    );
    await p.stop();
    workersStopped = true;

    const s = await cli('status', hc.workflowId, '--json');
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ workflowId: hc.workflowId, status: 'executed', decision: { kind: 'approve', by: people.id('approver') } });
    const human = await cli('status', hc.workflowId);
    expect(human.stdout).toContain(`${hc.workflowId}: executed`);

    expect(terminated).toBeDefined();
    const t = await cli('status', terminated!.workflowId);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/failed \(workflow terminated/);
    expect(t.stdout).toContain('closed without a result');
  }, 120_000);
});
