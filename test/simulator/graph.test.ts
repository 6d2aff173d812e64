import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVE_USER_COLUMNS, EMAIL_ACTIVITY_COLUMNS, SKUS, startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { SimClient } from '../support/simulator-client';

const CONTRACT_ACTIVE =
  'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Has Exchange License,Has OneDrive License,Has SharePoint License,Has Skype For Business License,Has Yammer License,Has Teams License,Exchange Last Activity Date,OneDrive Last Activity Date,SharePoint Last Activity Date,Skype For Business Last Activity Date,Yammer Last Activity Date,Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date,SharePoint License Assign Date,Skype For Business License Assign Date,Yammer License Assign Date,Teams License Assign Date,Assigned Products';
const CONTRACT_EMAIL =
  'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Last Activity Date,Send Count,Receive Count,Read Count,Meeting Created Count,Meeting Interacted Count,Assigned Products,Report Period';

interface Page {
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}
type Lic = { skuId: string; disabledPlans: string[] };
type State = { skuId: string; assignedByGroup: string | null };

/** Minimal RFC 4180 line splitter for assertions. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

describe('simulator Graph', () => {
  let sim: SimulatorHandle;
  let c: SimClient;
  beforeAll(async () => {
    sim = await startSimulator({ users: 10_000, seed: 7, today: '2025-03-20' });
    c = new SimClient(sim);
    await c.login();
  });
  afterAll(async () => {
    await c.close();
    await sim.close();
  });

  it('a page walk of 10k users returns each user exactly once, following absolute nextLinks', async () => {
    const seen = new Set<string>();
    let url: string | undefined = `${sim.graphUrl}/v1.0/users?$select=id,userPrincipalName,assignedLicenses&$top=999`;
    let pages = 0;
    while (url) {
      expect(url.startsWith(sim.graphUrl + '/v1.0/users?')).toBe(true);
      const r = await c.fetch(url);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal/);
      const p = r.json() as Page;
      for (const u of p.value) {
        expect(Object.keys(u)).toEqual(['id', 'userPrincipalName', 'assignedLicenses']);
        expect(seen.has(u.id as string)).toBe(false);
        seen.add(u.id as string);
      }
      url = p['@odata.nextLink'];
      pages++;
    }
    expect(seen.size).toBe(10_000);
    expect(pages).toBe(11);
    expect(sim.state.userAt(0).id).toBe([...seen][0]);
  });

  it('default properties, $top limits, $count, and every user property requested by the ETL', async () => {
    const d = (await c.graph('/v1.0/users')).json() as Page;
    expect(d.value).toHaveLength(100);
    expect(Object.keys(d.value[0]!).sort()).toEqual([
      'businessPhones',
      'displayName',
      'givenName',
      'id',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
    ]);
    expect((await c.graph('/v1.0/users?$top=1000')).status).toBe(400);
    expect((await c.graph('/v1.0/users?$top=0')).status).toBe(400);
    expect((await c.graph('/v1.0/users?$select=birthday')).status).toBe(501);
    const counted = (await c.graph('/v1.0/users?$count=true&$top=5', { headers: { consistencylevel: 'eventual' } })).json() as Page;
    expect(counted['@odata.count']).toBe(10_000);
    const sel = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,createdDateTime,department,jobTitle,usageLocation,assignedLicenses,licenseAssignmentStates';
    const p = (await c.graph(`/v1.0/users?$select=${sel}&$top=999`)).json() as Page;
    expect(Object.keys(p.value[0]!)).toEqual(sel.split(','));
    const u0 = sim.state.userAt(0);
    expect(p.value[0]!.userPrincipalName).toBe(u0.userPrincipalName);
    expect(p.value[0]!.assignedLicenses).toEqual(sim.state.assignedLicenses(u0.id));
    // the realistic mix is present
    const v = p.value;
    expect(v.some((u) => (u.userPrincipalName as string).includes('#EXT#') && u.userType === 'Guest')).toBe(true);
    expect(v.some((u) => u.accountEnabled === false && (u.assignedLicenses as Lic[]).length > 0)).toBe(true);
    expect(v.some((u) => (u.assignedLicenses as Lic[]).length === 0)).toBe(true);
    expect(v.some((u) => u.usageLocation === null)).toBe(true);
    expect(v.some((u) => /^(shared|room)-/.test(u.userPrincipalName as string))).toBe(true);
    expect(v.some((u) => (u.licenseAssignmentStates as State[]).some((s) => s.assignedByGroup !== null))).toBe(true);
    expect(v.some((u) => (u.assignedLicenses as Lic[]).some((l) => l.disabledPlans.length > 0))).toBe(true);
  });

  it('subscribedSkus: real part numbers, consumedUnits consistent with assignments', async () => {
    const r = (await c.graph('/v1.0/subscribedSkus')).json() as {
      value: Array<{ skuId: string; skuPartNumber: string; consumedUnits: number; prepaidUnits: { enabled: number } }>;
    };
    expect(r.value.map((s) => s.skuPartNumber)).toEqual(SKUS.map((s) => s.skuPartNumber));
    const e3 = r.value.find((s) => s.skuPartNumber === 'SPE_E3')!;
    let count = 0;
    for (let i = 0; i < sim.state.userCount; i++) if (sim.state.assignedLicenses(i).some((l) => l.skuId === e3.skuId)) count++;
    expect(e3.consumedUnits).toBe(count);
    expect(e3.prepaidUnits.enabled).toBeGreaterThanOrEqual(count);
  });

  it('both reports (v1.0 and beta) 302 to another origin; CSV has a BOM and the documented columns exactly', async () => {
    for (const [fn, header, cols] of [
      ["getOffice365ActiveUserDetail(period='D7')", CONTRACT_ACTIVE, ACTIVE_USER_COLUMNS],
      ["getEmailActivityUserDetail(period='D30')", CONTRACT_EMAIL, EMAIL_ACTIVITY_COLUMNS],
    ] as const) {
      expect(cols.join(',')).toBe(header);
      for (const v of ['v1.0', 'beta']) {
        const { redirect, download } = await c.report(`/${v}/reports/${fn}`);
        expect(redirect.status).toBe(302);
        expect(new URL(redirect.headers.location!).origin).toBe(sim.reportsHost);
        expect(sim.reportsHost).not.toBe(sim.graphUrl);
        expect(download.status).toBe(200);
        expect(download.headers['content-type']).toBe('application/octet-stream');
        expect([...download.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
        const lines = download.text.slice(1).split('\r\n');
        expect(lines[0]).toBe(header);
        expect(lines.at(-1)).toBe('');
        const rows = lines.slice(1, -1).map(splitCsvLine);
        expect(rows.filter((row) => row.length !== cols.length)).toEqual([]);
        const refresh = rows[0]![0]!;
        expect(refresh).toBe('2025-03-18');
        const dateCols = cols.map((col, k) => (/Date$/.test(col) && col !== 'Report Refresh Date' ? k : -1)).filter((k) => k >= 0);
        expect(rows.filter((row) => dateCols.some((k) => row[k] !== '' && row[k]! > refresh))).toEqual([]);
        const deleted = rows.filter((row) => row[3] === 'True');
        expect(deleted.length).toBe(sim.state.deletedCount);
        expect(deleted.every((row) => row[4] !== '')).toBe(true);
        expect(rows.some((row) => row[2]!.includes(','))).toBe(true);
        if (fn.startsWith('getEmail')) expect(rows.every((row) => row[12] === '30')).toBe(true);
        expect(download.text).toMatch(/,True,/);
        // the download origin never saw a bearer token
        expect(sim.requestLog.filter((e) => e.endpoint === 'download').every((e) => !e.authorization)).toBe(true);
      }
    }
  });

  it('reports validate period/date and the beta JSON format pages with 200 rows', async () => {
    expect((await c.graph("/v1.0/reports/getOffice365ActiveUserDetail(period='D8')")).status).toBe(400);
    expect((await c.graph('/v1.0/reports/getOffice365ActiveUserDetail(date=2025-03-17)')).status).toBe(302);
    expect((await c.graph('/v1.0/reports/getOffice365ActiveUserDetail(date=2024-01-01)')).status).toBe(400);
    const j = (await c.graph("/beta/reports/getEmailActivityUserDetail(period='D7')?$format=application/json")).json() as Page;
    expect(j.value).toHaveLength(200);
    expect(j.value[0]!.reportPeriod).toBe('7');
    expect(Array.isArray(j.value[0]!.assignedProducts)).toBe(true);
    expect(j['@odata.nextLink']).toContain('$skiptoken=');
  });

  it('concealed names: UPN and Display Name become 32-char uppercase hex MD5; reportSettings reflects and changes it', async () => {
    c.token = '';
    sim.state.setRoles(['Reports.Read.All', 'ReportSettings.ReadWrite.All']);
    await c.login();
    try {
      expect((await c.graph('/v1.0/admin/reportSettings')).json()).toMatchObject({ displayConcealedNames: false });
      const p = await c.graph('/v1.0/admin/reportSettings', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayConcealedNames: true }),
      });
      expect(p.status).toBe(204);
      expect((await c.graph('/beta/admin/reportSettings')).json()).toMatchObject({ displayConcealedNames: true });
      const { download } = await c.report("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
      const row = splitCsvLine(download.text.split('\r\n')[1]!);
      expect(row[1]).toMatch(/^[0-9A-F]{32}$/);
      expect(row[2]).toMatch(/^[0-9A-F]{32}$/);
      const { createHash } = await import('node:crypto');
      expect(row[1]).toBe(createHash('md5').update(sim.state.userAt(0).userPrincipalName).digest('hex').toUpperCase());
    } finally {
      sim.state.setConcealed(false);
      sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
      await c.login();
    }
  });

  describe('assignLicense', () => {
    const findUser = (pred: (i: number) => boolean): number => {
      for (let i = 0; i < sim.state.userCount; i++) if (pred(i)) return i;
      throw new Error('no such user in the generated tenant');
    };
    const post = (user: string, body: unknown) =>
      c.graph(`/v1.0/users/${encodeURIComponent(user)}/assignLicense`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('removing a direct licence changes /users and subscribedSkus', async () => {
      const i = findUser((k) => sim.state.assignments(k).some((s) => s.assignedByGroup === null && s.state === 'Active') && sim.state.userAt(k).usageLocation !== null);
      const u = sim.state.userAt(i);
      const sku = sim.state.assignments(i).find((s) => s.assignedByGroup === null)!.skuId as string;
      const part = SKUS.find((s) => s.skuId === sku)!.skuPartNumber;
      const before = sim.state.consumedUnits()[part]!;
      const calls = sim.state.assignLicenseCalls;
      const r = await post(u.id, { addLicenses: [], removeLicenses: [sku] });
      expect(r.status).toBe(200);
      expect((r.json() as { id: string }).id).toBe(u.id);
      expect(sim.state.assignLicenseCalls).toBe(calls + 1);
      expect(sim.state.changedUsers()).toContain(u.id);
      const g = (await c.graph(`/v1.0/users/${u.id}?$select=id,assignedLicenses`)).json() as { assignedLicenses: Lic[] };
      const stillViaGroup = sim.state.assignments(i).some((s) => s.skuId === sku);
      expect(g.assignedLicenses.some((l) => l.skuId === sku)).toBe(stillViaGroup);
      if (!stillViaGroup) expect(sim.state.consumedUnits()[part]).toBe(before - 1);
      // and the list endpoint agrees
      const page = Math.floor(i / 999);
      let url: string | undefined = `${sim.graphUrl}/v1.0/users?$select=id,assignedLicenses&$top=999`;
      for (let k = 0; k < page; k++) url = ((await c.fetch(url!)).json() as Page)['@odata.nextLink'];
      const listed = ((await c.fetch(url!)).json() as Page).value.find((x) => x.id === u.id)!;
      expect(listed.assignedLicenses).toEqual(g.assignedLicenses);
      // re-add by UPN
      const add = await post(u.userPrincipalName, { addLicenses: [{ skuId: sku, disabledPlans: [] }], removeLicenses: [] });
      expect(add.status).toBe(200);
      expect(sim.state.assignedLicenses(u.id).some((l) => l.skuId === sku)).toBe(true);
    });

    it('group-inherited removal -> 400; unknown user -> 404; no usage location -> 400; no seats -> 400; unknown SKU -> 400', async () => {
      const gi = findUser((k) => {
        const st = sim.state.assignments(k);
        return st.some((s) => s.assignedByGroup !== null && !st.some((d) => d.assignedByGroup === null && d.skuId === s.skuId));
      });
      const gsku = sim.state.assignments(gi).find((s) => s.assignedByGroup !== null)!.skuId as string;
      const g = await post(sim.state.userAt(gi).id, { addLicenses: [], removeLicenses: [gsku] });
      expect(g.status).toBe(400);
      expect(g.json()).toMatchObject({
        error: { code: 'Request_BadRequest', message: 'User license is inherited from a group membership and it cannot be removed directly from the user.' },
      });

      const nf = await post('00000000-0000-4000-8000-000000000000', { addLicenses: [], removeLicenses: [] });
      expect(nf.status).toBe(404);
      expect((nf.json() as { error: { code: string } }).error.code).toBe('Request_ResourceNotFound');
      expect((await post('nobody@example.com', { addLicenses: [], removeLicenses: [] })).status).toBe(404);

      const e3 = SKUS.find((s) => s.skuPartNumber === 'SPE_E3')!.skuId;
      const nl = findUser((k) => sim.state.userAt(k).usageLocation === null);
      const loc = await post(sim.state.userAt(nl).id, { addLicenses: [{ skuId: e3, disabledPlans: [] }], removeLicenses: [] });
      expect(loc.status).toBe(400);
      expect(loc.text).toContain('License assignment cannot be done for user with invalid usage location.');

      const visio = SKUS.find((s) => s.skuPartNumber === 'VISIOCLIENT')!.skuId;
      const nv = findUser((k) => sim.state.userAt(k).usageLocation !== null && !sim.state.assignedLicenses(k).some((l) => l.skuId === visio));
      const seats = await post(sim.state.userAt(nv).id, { addLicenses: [{ skuId: visio, disabledPlans: [] }], removeLicenses: [] });
      expect(seats.status).toBe(400);
      expect(seats.text).toContain(`Subscription with SKU ${visio} does not have any available licenses.`);

      const bad = await post(sim.state.userAt(nv).id, { addLicenses: [], removeLicenses: ['12345678-1234-4234-8234-123456789012'] });
      expect(bad.status).toBe(400);
      const nul = await post(sim.state.userAt(nv).id, { addLicenses: [], removeLicenses: [null] });
      expect(nul.text).toContain("A null value was found with the expected type 'Edm.Guid[Nullable=False]'");
    });

    it('guests are addressable by their #EXT# UPN (encoded as %23)', async () => {
      const gi = findUser((k) => sim.state.userAt(k).userType === 'Guest');
      const upn = sim.state.userAt(gi).userPrincipalName;
      const r = await c.graph(`/v1.0/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName`);
      expect(r.status).toBe(200);
      expect((r.json() as { userPrincipalName: string }).userPrincipalName).toBe(upn);
    });
  });
});
