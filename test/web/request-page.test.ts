// One request's page reads people, licences and prices through the same lookup as `reclaim status`: a licence costs
// the same on both (contract, then the tenant's own price, then the list price), names and product names replace
// ids, and why the person is a candidate and the audit trail's reasons are shown.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lookUpStatusNames, statusLines } from '../../src/cli/reclaim/status-view';
import { closeWarehouse, importContracts, loadStagingDir, publish, recordReclamationEvent, setPrice } from '../../src/warehouse/index';
import { lookUpRequest } from '../../src/web/inbox-data';
import { requestPage } from '../../src/web/pages/request-page';
import type { ReclaimState } from '../../src/workflows/reclaim/messages';
import { tempDir } from '../support/staging-fixtures';
import { craftedTenant, SKU, TENANT, writeTenant } from '../support/spend-tenant';

let published: string;
const viewer = { name: 'Olga', signOutToken: 't' };

beforeAll(async () => {
  const root = tempDir('request-page-');
  const work = path.join(root, 'work', 'm365.duckdb');
  published = path.join(root, 'm365.duckdb');
  const contracts = path.join(root, 'contracts.csv');
  writeFileSync(
    contracts,
    [
      'tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing',
      `${TENANT},cs-e5,,5,2025-09-01,2027-08-31,50.00,USD,annual`,
    ].join('\n'),
  );
  await importContracts(work, contracts);
  await setPrice(work, { skuPartNumber: 'Microsoft_365_Copilot', monthly: '28.50', currency: 'EUR', from: '2026-01-01', tenantId: TENANT });
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-20', 10)) });
  await recordReclamationEvent(work, {
    workflowId: `reclaim-${TENANT}-u-dan`,
    tenantId: TENANT,
    userId: 'u-dan',
    runId: 'run-1',
    event: 'requested',
    at: '2026-05-20T09:00:00Z',
    actor: 'u-olga',
    reason: 'moved to the warehouse team',
  });
  await publish(work, published);
  await closeWarehouse();
}, 120_000);

/** dan's E5 and Copilot awaiting approval (as the status query returns it), Visio staying through a group. */
const waiting = (): ReclaimState => ({
  workflowId: `reclaim-${TENANT}-u-dan`,
  tenantId: TENANT,
  userId: 'u-dan',
  status: 'awaiting_approval',
  dryRun: false,
  scope: [SKU.E5.skuId, SKU.COPILOT.skuId.toUpperCase()],
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

const row = (page: string, skuId: string): string => page.match(new RegExp(`<tr data-sku="${skuId}">.*?</tr>`, 's'))?.[0] ?? '';

describe('request page', () => {
  it('prices each licence as reclaim status does, with where the price comes from, and totals per currency', async () => {
    const s = waiting();
    const page = requestPage({ state: s, ...(await lookUpRequest(published, s)), viewerId: 'u-ivy' }, viewer);
    const status = statusLines(s, {}, await lookUpStatusNames(published, s)).join('\n');
    expect(row(page, SKU.E5.skuId)).toMatch(/Microsoft 365 E5.*USD 600\.00.*contract price/s);
    expect(status).toContain('Microsoft 365 E5 (SPE_E5), USD 600.00 a year');
    expect(row(page, SKU.COPILOT.skuId)).toMatch(/Copilot.*EUR 342\.00<div class="muted">the tenant&#39;s own price/s);
    expect(status).toMatch(/\(Microsoft_365_Copilot\), EUR 342\.00 a year/);
    expect(page).toMatch(/data-field="total">(USD 600\.00 \+ EUR 342\.00|EUR 342\.00 \+ USD 600\.00)</);
    expect(page).toMatch(/data-table="stays".*Visio.*group <code>g-1<\/code>/s);
  });

  it("names the person, says why they are a candidate, lists activity and shows the audit trail's reason", async () => {
    const s = waiting();
    const page = requestPage({ state: s, ...(await lookUpRequest(published, s)), viewerId: 'u-ivy' }, viewer);
    expect(page).toContain('data-field="upn">dan<wbr>@crafted.test');
    expect(page).toMatch(/data-field="why">Inactive for 168 days — the tenant's threshold is 90 days \(measured by usage reports\)/);
    expect(page).toMatch(/Exchange \(mail\)<\/td><td class="num">2025-12-01/);
    expect(page).toMatch(/data-table="audit">.*u-olga.*olga<wbr>@crafted\.test.*moved to the warehouse team/s);
  });

  it('without a published warehouse: ids, the reason names are missing, and no price', async () => {
    const s = waiting();
    const page = requestPage({ state: s, ...(await lookUpRequest(path.join(path.dirname(published), 'gone.duckdb'), s)), viewerId: 'u-ivy' }, viewer);
    expect(page).toContain('not in the published warehouse');
    expect(page).toMatch(/data-field="note">no published warehouse at .*gone\.duckdb/);
    expect(row(page, SKU.E5.skuId)).toContain('no price known');
  });
});
