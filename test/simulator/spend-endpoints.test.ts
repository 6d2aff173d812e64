// The simulator's money and sign-in endpoints as a client sees them on the wire: subscriptions, the Copilot report (the
// exact header Microsoft sends, 200 without a redirect) and signInActivity's exact 403s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { COPILOT_USAGE_COLUMNS } from '../../src/simulator/copilot';
import { SimClient } from '../support/simulator-client';
import { daysBefore, todayUtc } from '../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();
const D = (daysAgo: number): string => daysBefore(TODAY, daysAgo);

const CONTRACT_HEADER =
  'Report Refresh Date,User Principal Name,Display Name,Last Activity Date,Copilot Chat Last Activity Date,Microsoft Teams Copilot Last Activity Date,Word Copilot Last Activity Date,Excel Copilot Last Activity Date,PowerPoint Copilot Last Activity Date,Outlook Copilot Last Activity Date,OneNote Copilot Last Activity Date,Loop Copilot Last Activity Date,Report Period';

describe('simulator: subscriptions, Copilot report, sign-in errors', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 800, seed: 5, today: TODAY });
    c = new SimClient(sim);
    await c.login();
  });
  afterAll(async () => {
    await c?.close();
    await sim?.close();
  });
  const relogin = async (roles: string[]) => {
    sim.state.setRoles(roles);
    await c.login();
  };

  it('GET /directory/subscriptions: seats add up to subscribedSkus prepaid units; a trial, a Warning, a monthly term', async () => {
    const subs = (await c.graph('/v1.0/directory/subscriptions')).json() as {
      '@odata.context': string;
      value: Array<{ skuId: string; status: string; isTrial: boolean; totalLicenses: number; nextLifecycleDateTime: string | null; commerceSubscriptionId: string }>;
    };
    expect(subs['@odata.context']).toMatch(/\$metadata#directory\/subscriptions$/);
    const skus = (await c.graph('/v1.0/subscribedSkus')).json() as { value: Array<{ skuId: string; prepaidUnits: { enabled: number; warning: number } }> };
    for (const k of skus.value) {
      const mine = subs.value.filter((s) => s.skuId === k.skuId);
      expect(mine.filter((s) => s.status === 'Enabled').reduce((a, s) => a + s.totalLicenses, 0)).toBe(k.prepaidUnits.enabled);
      expect(mine.filter((s) => s.status === 'Warning').reduce((a, s) => a + s.totalLicenses, 0)).toBe(k.prepaidUnits.warning);
    }
    expect(subs.value.some((s) => s.isTrial)).toBe(true);
    expect(subs.value.some((s) => s.status === 'Warning')).toBe(true);
    const soon = subs.value.filter((s) => s.nextLifecycleDateTime && s.nextLifecycleDateTime < D(-31) && !s.isTrial && s.status === 'Enabled');
    expect(soon.length).toBeGreaterThan(0);
    const one = subs.value[0]!;
    expect(((await c.graph(`/v1.0/directory/subscriptions/${(one as unknown as { id: string }).id}`)).json() as { commerceSubscriptionId: string }).commerceSubscriptionId).toBe(
      one.commerceSubscriptionId,
    );
    expect((await c.graph('/v1.0/directory/subscriptions?$top=5')).status).toBe(400);
    await relogin(['User.Read.All', 'LicenseAssignment.Read.All', 'Reports.Read.All']);
    const denied = await c.graph('/v1.0/directory/subscriptions');
    expect(denied.status).toBe(403);
    expect((denied.json() as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
    await relogin([...DEFAULT_ROLES]);
  });

  it('Copilot usage report: 200 with the CSV directly, the exact v1.0 header, one row per Copilot holder', async () => {
    const r = await c.graph("/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D30')");
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(CONTRACT_HEADER);
    expect(COPILOT_USAGE_COLUMNS.join(',')).toBe(CONTRACT_HEADER);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.slice(1).every((l) => l.endsWith(',30'))).toBe(true);
    expect((await c.graph("/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D28')")).status).toBe(400);
    sim.state.setConcealed(true);
    try {
      const concealed = (await c.graph("/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')")).text.trim().split('\r\n');
      expect(concealed[1]!.split(',')[1]).toMatch(/^[0-9A-F]{32}$/);
    } finally {
      sim.state.setConcealed(false);
    }
  });

  it("signInActivity: Microsoft's exact 403 without AuditLog.Read.All and on a tenant without Entra ID P1/P2", async () => {
    const q = '/v1.0/users?$select=id,signInActivity&$top=999';
    const noGrant = await c.graph(q);
    expect(noGrant.status).toBe(403);
    expect((noGrant.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'Authentication_MSGraphPermissionMissing',
      message: expect.stringContaining('AuditLog.Read.All'),
    });
    await relogin([...DEFAULT_ROLES, 'AuditLog.Read.All']);
    const ok = (await c.graph(q)).json() as { value: Array<{ signInActivity: Record<string, string> | null }>; '@odata.nextLink'?: string };
    expect(ok.value).toHaveLength(500); // capped
    expect(ok.value.some((u) => u.signInActivity?.lastSignInDateTime === '0001-01-01T00:00:00Z')).toBe(true);
    expect(ok.value.some((u) => u.signInActivity && !('lastSuccessfulSignInDateTime' in u.signInActivity))).toBe(true);
    sim.state.premium = false;
    try {
      const r = await c.graph(q);
      expect(r.status).toBe(403);
      expect((r.json() as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        message: "Neither tenant is B2C or tenant doesn't have premium license",
      });
    } finally {
      sim.state.premium = true;
      await relogin([...DEFAULT_ROLES]);
    }
  });
});
