// The display-time lookups a command or page shows people with: names beside ids, product names, yearly prices from
// the price rule, last activity per service, the mailbox, why a candidate, the audit trail; and ids with a reason
// when the warehouse cannot say.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, publish, recordReclamationEvent, setPrice } from '../../../src/warehouse/index';
import { licenceLabel, openWarehouseLookup, personLabel, type WarehouseLookup } from '../../../src/warehouse/lookup/index';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, SKU, TENANT, writeTenant } from '../../support/spend-tenant';

const FLOW_FREE = 'f30db892-07e9-47e9-837c-80727f46fd3d';
const WORKFLOW = `reclaim-${TENANT}-u-dan`;
let lookup: WarehouseLookup;
let published: string;

beforeAll(async () => {
  const root = tempDir('lookup-');
  const work = path.join(root, 'work', 'm365.duckdb');
  published = path.join(root, 'm365.duckdb');
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-20', 10)) });
  // The admin's own price in another currency outranks the USD list price of Copilot for this tenant.
  await setPrice(work, { skuPartNumber: 'Microsoft_365_Copilot', monthly: '28.50', currency: 'EUR', from: '2026-01-01', tenantId: TENANT });
  const event = { workflowId: WORKFLOW, tenantId: TENANT, userId: 'u-dan', runId: 'run-2' };
  await recordReclamationEvent(work, {
    ...event,
    event: 'requested',
    at: '2026-05-20T09:00:00Z',
    actor: 'u-olga',
    actorUpn: 'olga@crafted.test',
    reason: 'left the team',
    runId: 'run-1',
  });
  await recordReclamationEvent(work, { ...event, event: 'requested', at: '2026-05-20T10:00:00Z', actor: 'u-olga', actorUpn: 'olga@crafted.test', reason: 'asked again' });
  await recordReclamationEvent(work, { ...event, event: 'rejected', at: '2026-05-20T11:00:00Z', actor: 'u-ivy', reason: 'still needs it' });
  await publish(work, published);
  await closeWarehouse();
  lookup = await openWarehouseLookup(published);
}, 120_000);
afterAll(() => lookup?.close());

describe('warehouse lookup', () => {
  it('gives one person with names, licences by product and yearly cost, activity per service, sign-in and mailbox', async () => {
    const ana = await lookup.person(TENANT, 'U-ANA');
    expect(ana).toMatchObject({
      userId: 'u-ana',
      known: true,
      displayName: 'u-ana',
      upn: 'ana@crafted.test',
      department: 'Sales',
      accountEnabled: true,
      lastActivity: '2026-05-17',
      asOf: '2026-05-20',
      note: null,
      mailbox: { hostedBy: [SKU.E5.skuId], lastActivity: '2026-05-17' },
    });
    expect(ana.lastActivityPerService).toMatchObject({ exchange: '2026-05-17', teams: '2026-05-17', yammer: null });
    expect(ana.licences).toEqual([
      { skuId: SKU.E5.skuId, partNumber: 'SPE_E5', productName: 'Microsoft 365 E5', annualCost: '684.00', currency: 'USD', priceSource: 'list' },
      {
        skuId: SKU.COPILOT.skuId,
        partNumber: 'Microsoft_365_Copilot',
        productName: expect.stringMatching(/Copilot/),
        annualCost: '342.00',
        currency: 'EUR',
        priceSource: 'tenant',
      },
    ]);
    // Never added across currencies.
    expect(ana.annualCostByCurrency).toEqual([
      { currency: 'EUR', amount: '342.00' },
      { currency: 'USD', amount: '684.00' },
    ]);
    expect(licenceLabel(ana.licences[0]!)).toBe('Microsoft 365 E5 (SPE_E5), USD 684.00 a year');
  });

  it("names the licences asked about, held or not: a SKU the tenant lacks from Microsoft's reference, an unpriced one without a price, a free one at zero", async () => {
    const eve = await lookup.person(TENANT, 'u-eve', [SKU.VISIO.skuId, FLOW_FREE]);
    expect(eve.accountEnabled).toBe(false);
    expect(eve.licences.map((l) => [l.partNumber, l.productName, l.annualCost])).toEqual([
      ['VISIOCLIENT', expect.stringMatching(/Visio/), null],
      ['FLOW_FREE', 'Microsoft Power Automate Free', '0.00'], // priced at zero by the shipped list
    ]);
    expect(licenceLabel(eve.licences[0]!)).toMatch(/\(VISIOCLIENT\), no price known$/);
  });

  it('falls back to ids, saying why, for a user the warehouse does not know and for a missing warehouse', async () => {
    const gone = await lookup.person(TENANT, 'u-nobody', [SKU.E5.skuId]);
    expect(gone).toMatchObject({ known: false, displayName: null, upn: null, mailbox: null });
    expect(gone.note).toMatch(/user u-nobody is not in the latest roster of tenant/);
    expect(gone.licences[0]).toMatchObject({ partNumber: 'SPE_E5', annualCost: '684.00' });
    const names = await lookup.names(TENANT, ['u-ben', 'u-nobody']);
    expect(names.get('u-ben')?.department).toBe('Sales');
    expect([...names.values()].map(personLabel)).toEqual(['u-ben <ben@crafted.test> (u-ben)', 'u-nobody (not in the warehouse)']);

    const none = await openWarehouseLookup(path.join(path.dirname(published), 'missing.duckdb'));
    expect(none.unavailable).toMatch(/^no published warehouse at .*missing\.duckdb: names and prices are not shown/);
    const p = await none.person(TENANT, 'u-ana', [SKU.E5.skuId]);
    expect(p).toMatchObject({ known: false, licences: [{ skuId: SKU.E5.skuId, partNumber: null, annualCost: null }] });
    expect(p.note).toBe(none.unavailable);
    expect([await none.candidate(TENANT, 'u-dan'), await none.auditTrail(WORKFLOW), await none.requestLine(WORKFLOW, 'run-1')]).toEqual([null, [], null]);
  });

  it("says why a user is a candidate or not: inactive past the tenant's threshold, active, or not evaluated", async () => {
    const dan = await lookup.candidate(TENANT, 'U-DAN');
    // Last active 2025-12-01, reports refreshed 2026-05-18.
    expect(dan).toMatchObject({ isCandidate: true, excludedBy: null, daysInactive: 168 });
    expect(dan!.daysInactive!).toBeGreaterThanOrEqual(dan!.inactivityDays);
    const ana = await lookup.candidate(TENANT, 'u-ana');
    expect(ana).toMatchObject({ isCandidate: false, excludedBy: null, daysInactive: 1 });
    expect(ana!.inactivityDays).toBe(dan!.inactivityDays);
    expect(await lookup.candidate(TENANT, 'u-nobody')).toBeNull();
  });

  it("reads a reclamation's audit trail newest first, and the request line of one run with its reason and UPN", async () => {
    const trail = await lookup.auditTrail(WORKFLOW);
    expect(trail.map((a) => [a.event, a.runId, a.actor, a.text])).toEqual([
      ['rejected', 'run-2', 'u-ivy', 'still needs it'],
      ['requested', 'run-2', 'u-olga', 'asked again'],
      ['requested', 'run-1', 'u-olga', 'left the team'],
    ]);
    expect(await lookup.auditTrail(WORKFLOW, 1)).toHaveLength(1);
    expect(await lookup.requestLine(WORKFLOW, 'run-1')).toMatchObject({ text: 'left the team', actorUpn: 'olga@crafted.test' });
    expect(await lookup.requestLine(WORKFLOW, 'run-9')).toBeNull();
  });
});
