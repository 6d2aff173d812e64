// `reclaim status` and `reclaim list` in names and money: the state (ids only, as workflow history holds it) is told
// with the names, product names and prices of the published warehouse, looked up when shown; ids stay beside them.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nameInboxItems, type InboxItem } from '../../src/cli/reclaim/list';
import { lookUpStatusNames, statusLines } from '../../src/cli/reclaim/status-view';
import { closeWarehouse, loadStagingDir, publish } from '../../src/warehouse/index';
import type { ReclaimState } from '../../src/workflows/reclaim/messages';
import { tempDir } from '../support/staging-fixtures';
import { craftedTenant, SKU, TENANT, writeTenant } from '../support/spend-tenant';

let published: string;
beforeAll(async () => {
  const root = tempDir('reclaim-names-');
  const work = path.join(root, 'work', 'm365.duckdb');
  published = path.join(root, 'm365.duckdb');
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-20', 10)) });
  await publish(work, published);
  await closeWarehouse();
}, 120_000);

/** A reclamation of ana's E5 and Copilot awaiting approval, requested by olga, as the status query returns it. */
const waiting = (): ReclaimState => ({
  workflowId: `reclaim-${TENANT}-u-ana`,
  tenantId: TENANT,
  userId: 'u-ana',
  status: 'awaiting_approval',
  dryRun: false,
  scope: [SKU.E5.skuId, SKU.COPILOT.skuId],
  groupInherited: [{ skuId: SKU.VISIO.skuId, groupIds: ['g-1'] }],
  notHeld: [],
  disabledPlans: {},
  removed: [],
  runId: 'run-1',
  scopeHash: 'h'.repeat(64),
  requesterId: 'u-olga',
  requestedAt: '2026-05-20T09:00:00Z',
  identity: 'verified',
  events: [{ at: '2026-05-20T09:00:00Z', kind: 'requested', by: 'u-olga' }],
});

describe('reclaim status in names and money', () => {
  it('names the user (department, account, activity per service, sign-in), each licence by product with its yearly cost, the total, and the requester', async () => {
    const s = waiting();
    const lines = statusLines(s, {}, await lookUpStatusNames(published, s));
    expect(lines[1]).toBe(`  user u-ana <ana@crafted.test> (u-ana) in tenant ${TENANT}: Sales, account enabled`);
    expect(lines[2]).toMatch(
      /^ {4}last activity 2026-05-17 \(exchange 2026-05-17, outlook 2026-05-17, onedrive 2026-05-17, sharepoint 2026-05-17, teams 2026-05-17\); last sign-in none on record; \d+ days inactive \(as of 2026-05-20\)$/,
    );
    expect(lines).toContain('  requested by u-olga <olga@crafted.test> (u-olga) at 2026-05-20T09:00:00Z');
    expect(lines).toContain('  licences to remove (direct), USD 1,044.00 a year: ');
    expect(lines).toContain(`    Microsoft 365 E5 (SPE_E5), USD 684.00 a year [${SKU.E5.skuId}]`);
    expect(lines.find((l) => l.includes(SKU.COPILOT.skuId))).toMatch(/Copilot.*\(Microsoft_365_Copilot\), USD 360\.00 a year/);
    expect(lines.find((l) => l.startsWith('  stays'))).toMatch(/group g-1.*\(VISIOCLIENT\), no price known \[/);
    expect(lines.at(-1)).toBe('  2026-05-20T09:00:00Z requested by u-olga <olga@crafted.test> (u-olga)');
  });

  it('without the warehouse: the ids, the requester UPN from the audit, and one line saying why names are missing', async () => {
    const s = waiting();
    const lines = statusLines(s, { requesterUpn: 'olga@crafted.test' }, await lookUpStatusNames(path.join(path.dirname(published), 'gone.duckdb'), s));
    expect(lines[1]).toMatch(/^ {2}user u-ana in tenant \S+ \(no published warehouse at .*gone\.duckdb/);
    expect(lines).toContain('  requested by u-olga (olga@crafted.test) at 2026-05-20T09:00:00Z');
    expect(lines).toContain(`    ${SKU.E5.skuId}`);
    expect(lines.at(-1)).toMatch(/^ {2}\(no published warehouse at .*: names and prices are not shown/);
  });
});

describe('reclaim list in names', () => {
  it('adds the subject and requester names beside their ids; unknown ones stay ids', async () => {
    const item = (userId: string, requesterId?: string): InboxItem => ({
      workflowId: `reclaim-${TENANT}-${userId}`,
      tenantId: TENANT,
      userId,
      requesterId,
      state: 'awaiting_approval',
      skus: 2,
      startedAt: '2026-05-20T09:00:00Z',
      ageSeconds: 60,
      closed: false,
    });
    const items = [item('u-ana', 'u-olga'), item('u-gone', 'u-nobody')];
    expect(await nameInboxItems(published, items)).toBeNull();
    expect(items.map((i) => [i.user, i.requester])).toEqual([
      ['u-ana <ana@crafted.test> (u-ana)', 'u-olga <olga@crafted.test> (u-olga)'],
      [undefined, undefined],
    ]);
  });
});
