// `m365-license settings` as an operator uses it: validated (day ranges, SKU names, groups resolved through
// Graph), written by the running warehouse worker (or directly when none runs), published at once, recorded
// with who (the object id of a settings admin's Entra sign-in, checked by the writer) and when; an excluded SKU
// changes the candidate list and never enters a reclamation's scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReclamation } from '../../../src/cli/reclaim/command';
import { startDailySync } from '../../../src/cli/start-daily';
import { SKUS } from '../../../src/simulator';
import { closeWarehouse, openReadOnly } from '../../../src/warehouse';
import { historyText } from '../../support/history';
import { operatorCli } from '../../support/operator-cli';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient } from '../../support/temporal';
import { People } from '../../support/reclaim-people';
import { userPicker, waitForStatus } from '../../support/reclaim-helpers';
import { todayUtc } from '../../support/dates';

/** Today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();

describe('m365-license settings', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let people: People;

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 400, seed: 93, today: TODAY } });
    client = await connectClient();
    people = new People(p.sim, p.config);
    // The device-code sign-in `settings set|unset` starts is completed by this approvers-group member.
    p.sim.state.directory.autoApprove = people.id('approver');
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue })).result();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await client?.close();
  });

  const cli = (...args: string[]) => operatorCli(p, ['settings', ...args]);
  const published = async (sql: string, params: string[] = []) => {
    const db = await openReadOnly(p.config.dbPath);
    try {
      return (await db.query(sql, params)).rows;
    } finally {
      db.close();
    }
  };

  it('refuses bad values with exit code 2 and a message naming the fix', async () => {
    const zero = await cli('set', '--inactivity-days', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--inactivity-days must be a whole number of days from 1 to 3650/);
    const sku = await cli('set', '--exclude-sku', 'NOT_A_SKU');
    expect(sku.code).toBe(2);
    expect(sku.stderr).toMatch(/NOT_A_SKU is not a SKU part number.*SPE_E3/);
    const group = await cli('set', '--exclude-group', 'No Such Group');
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/no group named 'No Such Group'/);
    expect(await cli('unset')).toMatchObject({ code: 2 });
  }, 60_000);

  it('set through the running worker: groups by name become ids, SKUs canonical, published at once, who and when recorded, no pattern in history', async () => {
    // A candidate whose every licence we exclude by SKU moves to the excluded list with rule 'sku'.
    const [cand] = await published(`SELECT user_id, sku_part_numbers FROM inactive_licensed_users WHERE tenant_id = $1 AND len(sku_part_numbers) = 1 ORDER BY user_id LIMIT 1`, [
      p.sim.tenantId,
    ]);
    const part = (cand!.sku_part_numbers as string[])[0]!;
    const groupName = 'SPE_E3 licensing 2';
    const groupId = p.sim.state.tenant.groupId(
      SKUS.findIndex((s) => s.skuPartNumber === 'SPE_E3'),
      1,
    );

    const r = await cli(
      'set',
      '--inactivity-days',
      '120',
      '--exclude-sku',
      part.toLowerCase(),
      '--exclude-group',
      groupName,
      '--exclude-upn',
      'breakglass-*@example.com',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { writtenBy: string; effective: Record<string, unknown>; stored: string[]; updatedBy: string; changes: { changedBy: string }[] };
    expect(out.writtenBy).toBe('worker');
    expect(out.effective).toMatchObject({
      inactivityDays: 120,
      graceDays: 30,
      excludeSkuPartNumbers: [part],
      excludeGroupIds: [groupId],
      excludeUpnPatterns: ['breakglass-*@example.com'],
    });
    expect(out.stored.sort()).toEqual(['excludeGroupIds', 'excludeSkuPartNumbers', 'excludeUpnPatterns', 'inactivityDays']);
    expect(r.stderr).toMatch(/This sign-in is to change the settings of tenant \S+: inactivity days = 120; .*excluded SKUs = /);
    expect(out.updatedBy).toBe(people.id('approver'));
    expect(out.changes[0]!.changedBy).toBe(people.id('approver'));

    const [excluded] = await published(`SELECT excluded_by FROM inactive_licensed_users_excluded WHERE tenant_id = $1 AND user_id = $2`, [p.sim.tenantId, String(cand!.user_id)]);
    expect(excluded?.excluded_by).toBe('sku');
    const [st] = await published('SELECT inactivity_days, updated_by FROM tenant_settings WHERE tenant_id = $1', [p.sim.tenantId]);
    expect(st).toMatchObject({ inactivity_days: 120, updated_by: people.id('approver') });

    const ids: string[] = [];
    for await (const w of client.client.workflow.list({ query: `WorkflowType = 'applySettings' AND TaskQueue = '${p.taskQueue}'` })) ids.push(w.workflowId);
    expect(ids).toHaveLength(1);
    const text = await historyText(client.client, ids[0]!);
    expect(text).not.toContain('breakglass');
    expect(text).not.toContain(part);

    const shown = await cli('show');
    expect(shown.stdout).toMatch(/inactivity days\s+120\n/);
    expect(shown.stdout).toMatch(/grace days\s+30 \(default\)/);
    expect(shown.stdout).toContain(`last changed by ${people.id('approver')}`);
  }, 120_000);

  it('an excluded SKU never enters a reclamation scope', async () => {
    const pick = userPicker(p.sim);
    const excludedPart = (await published('SELECT exclude_sku_part_numbers AS s FROM tenant_settings WHERE tenant_id = $1', [p.sim.tenantId]))[0]!.s as string[];
    const excludedIds = SKUS.filter((s) => excludedPart.includes(s.skuPartNumber)).map((s) => s.skuId);
    const u = pick(
      (x) =>
        x.assignments.filter((a) => a.assignedByGroup === null && a.state === 'Active').length >= 2 &&
        x.assignments.some((a) => a.assignedByGroup === null && excludedIds.includes(a.skuId)),
    );
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: people.requesterFor(u.id), approvalTimeout: '1 minute' },
      { taskQueue: p.taskQueue },
    );
    const s = await waitForStatus(client.client, h.workflowId, (x) => x.status === 'awaiting_approval');
    expect(s.scope.length).toBeGreaterThan(0);
    expect(s.scope.filter((id) => excludedIds.includes(id))).toEqual([]);
    await h.terminate('test done');
  }, 60_000);

  it('unset returns to the default; with no worker running the command writes and publishes itself', async () => {
    // The simulator stays: the command signs the person in and checks them itself.
    await p.stopWorkers();
    // The test process's own writer handle (the stopped worker's) must let go of the working file.
    await closeWarehouse();
    p.sim.state.directory.autoApprove = people.id('nestedApprover');
    const r = await cli('unset', '--inactivity-days', '--exclude-sku', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { writtenBy: string; effective: Record<string, unknown>; updatedBy: string };
    expect(out.writtenBy).toBe('direct');
    expect(out.effective).toMatchObject({ inactivityDays: 90, excludeSkuPartNumbers: [] });
    expect(out.updatedBy).toBe(people.id('nestedApprover'));
    const [st] = await published('SELECT inactivity_days, exclude_sku_part_numbers FROM tenant_settings WHERE tenant_id = $1', [p.sim.tenantId]);
    expect(st).toMatchObject({ inactivity_days: 90, exclude_sku_part_numbers: [] });
  }, 60_000);
});
