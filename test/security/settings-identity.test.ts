// Settings changes take the same Entra sign-in as approvals: a member of the settings-admins group (default the
// approvers group), the proof sealed and bound to exactly the change, checked by the writer that applies it, the
// change recorded by object id. Free text names nobody; a request file written by hand proves nothing; `settings
// show` strips control characters; the lab mode takes a name, as approvals do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsBinding, writeSettingsRequest, type SettingsRequest } from '../../src/activities/settings';
import { startDailySync } from '../../src/cli/start-daily';
import { settingsWorkflowId } from '../../src/shared/names';
import { closeWarehouse, openReadOnly } from '../../src/warehouse';
import { applySettings } from '../../src/workflows';
import { daysBefore, todayUtc } from '../support/dates';
import { operatorCli } from '../support/operator-cli';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient } from '../support/temporal';
import { People } from '../support/reclaim-people';

describe('settings changes are signed in and checked by the writer', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 300, seed: 57, today: todayUtc() } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: daysBefore(todayUtc(), 1) }, { taskQueue: p.taskQueue })).result();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => operatorCli(p, ['settings', ...args], extra);
  const stored = async () => {
    const db = await openReadOnly(p.config.dbPath);
    try {
      return (await db.query('SELECT inactivity_days, updated_by FROM settings WHERE tenant_id = $1', [p.sim.tenantId])).rows[0] ?? null;
    } finally {
      db.close();
    }
  };
  /** Hands a request file straight to the worker, as anyone able to start a workflow and write the file could. */
  const submit = async (request: SettingsRequest) => {
    const requestFile = writeSettingsRequest(p.config.dataDir, request);
    const h = await client.client.workflow.start(applySettings, {
      taskQueue: p.taskQueue,
      workflowId: settingsWorkflowId(p.sim.tenantId, `t${Date.now()}`),
      args: [{ tenantId: p.sim.tenantId, requestFile }],
      workflowExecutionTimeout: '1 minute',
    });
    return h.result().then(
      () => 'applied',
      (err: Error) => {
        let e: unknown = err;
        while (e instanceof Error && e.cause instanceof Error) e = e.cause;
        return (e as Error).message;
      },
    );
  };

  it("a settings admin's sign-in: applied, recorded by object id; the prompt says what the sign-in is for", async () => {
    p.sim.state.directory.autoApprove = people.id('approver');
    const r = await cli(['set', '--inactivity-days', '111']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/This sign-in is to change the settings of tenant \S+: inactivity days = 111\.\n.*enter the code/);
    expect(await stored()).toMatchObject({ inactivity_days: 111, updated_by: people.id('approver') });
  }, 60_000);

  it('someone outside the settings-admins group, and a --by name, are refused; nothing changes', async () => {
    p.sim.state.directory.autoApprove = people.id('requester'); // signed in, but not in the approvers group
    const r = await cli(['set', '--inactivity-days', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${people.id('requester')} is not a member of the tenant's settings-admins group`);
    const by = await cli(['set', '--inactivity-days', '5', '--by', 'alice']);
    expect(by.code).toBe(2);
    expect(by.stderr).toMatch(/--by names nobody/);
    expect(await stored()).toMatchObject({ inactivity_days: 111, updated_by: people.id('approver') });
  }, 60_000);

  it("a request file written by hand: a name, an admin's proof for another change, or none, proves nothing", async () => {
    const base = { tenantId: p.sim.tenantId, set: { inactivityDays: 7 }, unset: [] };
    expect(await submit({ ...base, proof: { by: people.id('approver') } })).toMatch(/sign-in was refused \(no_token\)/);
    const other = settingsBinding({ ...base, set: { inactivityDays: 200 } });
    expect(await submit({ ...base, proof: { idToken: people.token('approver', other) } })).toMatch(/sign-in was refused \(proof_bound_elsewhere\)/);
    expect(await submit({ ...base, proof: {} })).toMatch(/sign-in was refused \(no_token\)/);
    // The same admin's proof bound to this very change is what counts.
    expect(await submit({ ...base, proof: { idToken: people.token('approver2', settingsBinding(base)) } })).toBe('applied');
    expect(await stored()).toMatchObject({ inactivity_days: 7, updated_by: people.id('approver2') });
  }, 60_000);

  it('settings show strips control characters from stored text', async () => {
    p.sim.state.directory.autoApprove = people.id('approver');
    const evil = 'x\u001b[2J\u202e*@contoso.com';
    const r = await cli(['set', '--exclude-upn', evil]);
    expect(r.code, r.stderr).toBe(0);
    for (const args of [['show'], ['show', '--json']]) {
      const shown = await cli(args);
      expect(shown.code).toBe(0);
      for (const c of ['\u001b', '\u202e']) expect(shown.stdout).not.toContain(c);
    }
  }, 60_000);

  it('lab mode (M365_APPROVAL_IDENTITY=unverified): a name is taken, as for approvals, and marked unverified', async () => {
    await p.stopWorkers();
    await closeWarehouse();
    const r = await cli(['set', '--inactivity-days', '33', '--by', 'lab-admin', '--json'], { M365_APPROVAL_IDENTITY: 'unverified' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ writtenBy: 'direct', effective: { inactivityDays: 33 } });
    expect(String((await stored())?.updated_by)).toMatch(/^unverified-[0-9a-f]{16}$/);
  }, 60_000);
});
