// Hand-made staging directories for the warehouse tests: raw Graph pages and report CSVs exactly as staged
// (UTF-8 BOM, CRLF, quoted commas, True/False, empty cells for missing values).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
export const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
export const GROUP = 'aaaaaaaa-0000-0000-0000-000000000001';

export const ACTIVE_HEADER = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  'Has Exchange License',
  'Has OneDrive License',
  'Has SharePoint License',
  'Has Skype For Business License',
  'Has Yammer License',
  'Has Teams License',
  'Exchange Last Activity Date',
  'OneDrive Last Activity Date',
  'SharePoint Last Activity Date',
  'Skype For Business Last Activity Date',
  'Yammer Last Activity Date',
  'Teams Last Activity Date',
  'Exchange License Assign Date',
  'OneDrive License Assign Date',
  'SharePoint License Assign Date',
  'Skype For Business License Assign Date',
  'Yammer License Assign Date',
  'Teams License Assign Date',
  'Assigned Products',
];
export const EMAIL_HEADER = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  'Last Activity Date',
  'Send Count',
  'Receive Count',
  'Read Count',
  'Meeting Created Count',
  'Meeting Interacted Count',
  'Assigned Products',
  'Report Period',
];

interface FixtureUser {
  id: string;
  upn: string;
  displayName: string;
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  createdDateTime: string | null;
  licenses: { skuId: string; group: string | null; updated: string }[];
  /** Per service last activity (exchange, onedrive, sharepoint, skype, yammer, teams), '' when none. */
  activity: [string, string, string, string, string, string];
  outlook: string;
  /** Report UPN (differs in case from the roster on purpose for alice). */
  reportUpn?: string;
}

export const USERS: FixtureUser[] = [
  {
    id: 'u-alice',
    upn: 'alice@contoso.com',
    displayName: 'Smith, Alice',
    userType: 'Member',
    accountEnabled: true,
    createdDateTime: '2019-01-10T08:00:00Z',
    licenses: [{ skuId: E5, group: null, updated: '2019-01-10T08:00:00Z' }],
    activity: ['2024-05-07', '2024-05-01', '', '', '', '2024-05-08'],
    outlook: '2024-05-08',
    reportUpn: 'Alice@Contoso.COM',
  },
  {
    id: 'u-bob',
    upn: 'bob@contoso.com',
    displayName: 'Bob Jones',
    userType: 'Member',
    accountEnabled: true,
    createdDateTime: '2020-03-01T08:00:00Z',
    licenses: [{ skuId: E3, group: GROUP, updated: '2020-03-01T08:00:00Z' }],
    activity: ['2023-12-01', '', '', '', '', ''],
    outlook: '2023-12-01',
  },
  {
    id: 'u-guest',
    upn: 'jane_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    displayName: 'Jane (Fabrikam)',
    userType: 'Guest',
    accountEnabled: true,
    createdDateTime: '2021-06-01T08:00:00Z',
    licenses: [],
    activity: ['', '', '2024-05-02', '', '', '2024-05-03'],
    outlook: '',
  },
  {
    id: 'u-carol',
    upn: 'carol@contoso.com',
    displayName: 'Carol Blocked',
    userType: 'Member',
    accountEnabled: false,
    createdDateTime: null,
    licenses: [{ skuId: E5, group: null, updated: '2018-02-01T08:00:00Z' }],
    activity: ['', '', '', '', '', ''],
    outlook: '',
  },
  {
    id: 'u-dave',
    upn: 'dave@contoso.com',
    displayName: 'Dave New',
    userType: 'Member',
    accountEnabled: true,
    createdDateTime: '2024-05-01T08:00:00Z',
    licenses: [{ skuId: E3, group: null, updated: '2024-05-01T09:00:00Z' }],
    activity: ['', '', '', '', '', ''],
    outlook: '',
  },
  {
    id: 'u-break',
    upn: 'breakglass@contoso.com',
    displayName: 'Break Glass',
    userType: 'Member',
    accountEnabled: true,
    createdDateTime: '2019-01-01T08:00:00Z',
    licenses: [{ skuId: E5, group: null, updated: '2019-01-01T08:00:00Z' }],
    activity: ['2024-01-20', '', '', '', '', ''],
    outlook: '2024-01-20',
  },
];

export interface FixtureOptions {
  snapshotDate?: string;
  refreshDate?: string;
  /** Replace report UPNs and display names with 32-hex hashes. */
  concealed?: boolean;
  manifest?: boolean;
  displayConcealedNames?: boolean | null;
  /** Drop this column from the active-user report. */
  dropActiveColumn?: string;
  runId?: string;
  /** Override a user's activity (by id) for later snapshots. */
  activityOverride?: Record<string, FixtureUser['activity']>;
}

const csvCell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csv = (rows: string[][]): string => '\uFEFF' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
const hex = (seed: string): string => {
  let h = 0x811c9dc5;
  let out = '';
  for (let i = 0; out.length < 32; i++) {
    h = Math.imul(h ^ (seed.charCodeAt(i % seed.length) + i), 16777619) >>> 0;
    out += h.toString(16).toUpperCase().padStart(8, '0');
  }
  return out.slice(0, 32);
};

function graphUser(u: FixtureUser): Record<string, unknown> {
  return {
    id: u.id,
    userPrincipalName: u.upn,
    displayName: u.displayName,
    mail: u.userType === 'Guest' ? 'jane@fabrikam.com' : u.upn,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    createdDateTime: u.createdDateTime,
    department: 'Sales',
    jobTitle: null,
    usageLocation: 'US',
    assignedLicenses: u.licenses.map((l) => ({ skuId: l.skuId, disabledPlans: [] })),
    licenseAssignmentStates: u.licenses.map((l) => ({ skuId: l.skuId, assignedByGroup: l.group, state: 'Active', error: null, disabledPlans: [], lastUpdatedDateTime: l.updated })),
  };
}

/** Writes a staging directory; returns its path. */
export function writeStaging(root: string, opts: FixtureOptions = {}): string {
  const snapshotDate = opts.snapshotDate ?? '2024-05-10';
  const refresh = opts.refreshDate ?? '2024-05-08';
  const runId = opts.runId ?? `run-${snapshotDate}`;
  const dir = path.join(root, runId);
  mkdirSync(path.join(dir, 'users'), { recursive: true });
  mkdirSync(path.join(dir, 'reports'), { recursive: true });
  const ctx = 'https://graph.microsoft.com/v1.0/$metadata#users';
  const pages = [USERS.slice(0, 4), [], USERS.slice(4)];
  pages.forEach((users, i) => {
    const body: Record<string, unknown> = { '@odata.context': ctx, value: users.map(graphUser) };
    if (i < pages.length - 1) body['@odata.nextLink'] = `https://graph.microsoft.com/v1.0/users?$skiptoken=${i + 1}`;
    writeFileSync(path.join(dir, 'users', `page-${String(i + 1).padStart(4, '0')}.json`), JSON.stringify(body));
  });
  const sku = (skuId: string, part: string, enabled: number, consumed: number) => ({
    id: `${TENANT}_${skuId}`,
    accountId: TENANT,
    accountName: 'contoso',
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: consumed,
    prepaidUnits: { enabled, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: [{ servicePlanId: '113feb6c-3fe4-4440-bddc-54d774bf0318', servicePlanName: 'EXCHANGE_S_FOUNDATION', provisioningStatus: 'Success', appliesTo: 'Company' }],
    skuId,
    skuPartNumber: part,
    subscriptionIds: ['sub-1'],
  });
  writeFileSync(path.join(dir, 'subscribedSkus.json'), JSON.stringify({ '@odata.context': 'x', value: [sku(E5, 'SPE_E5', 10, 3), sku(E3, 'SPE_E3', 5, 2)] }));

  const reportUpn = (u: FixtureUser) => (opts.concealed ? hex(u.upn) : (u.reportUpn ?? u.upn));
  const reportName = (u: FixtureUser) => (opts.concealed ? hex(`dn-${u.upn}`) : u.displayName);
  const activeRows: string[][] = USERS.map((u) => {
    const act = opts.activityOverride?.[u.id] ?? u.activity;
    const lic = u.licenses.length > 0 ? 'True' : 'False';
    const assign = u.licenses.length > 0 ? u.licenses[0]!.updated.slice(0, 10) : '';
    return [
      refresh,
      reportUpn(u),
      reportName(u),
      'False',
      '',
      lic,
      lic,
      lic,
      lic,
      lic,
      lic,
      ...act,
      assign,
      assign,
      assign,
      assign,
      assign,
      assign,
      u.licenses.length > 0 ? 'MICROSOFT 365 E5+Microsoft Stream' : '',
    ];
  });
  const extra = (upn: string, name: string, deleted: boolean): string[] => [
    refresh,
    opts.concealed ? hex(upn) : upn,
    opts.concealed ? hex(name) : name,
    deleted ? 'True' : 'False',
    deleted ? '2024-04-01' : '',
    'True',
    'False',
    'False',
    'False',
    'False',
    'True',
    '2024-03-30',
    '',
    '',
    '',
    '',
    '2024-03-29',
    '2023-01-01',
    '',
    '',
    '',
    '',
    '2023-01-01',
    'OFFICE 365 E3',
  ];
  activeRows.push(extra('old.user@contoso.com', 'Old, User', true), extra('ghost@contoso.com', 'Ghost', false));
  let activeHeader = ACTIVE_HEADER;
  if (opts.dropActiveColumn) {
    const i = ACTIVE_HEADER.indexOf(opts.dropActiveColumn);
    activeHeader = ACTIVE_HEADER.filter((_, j) => j !== i);
    activeRows.forEach((r) => r.splice(i, 1));
  }
  writeFileSync(path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv'), csv([activeHeader, ...activeRows]));

  // Email report with columns reordered and an extra column: both must be tolerated.
  const emailHeader = [
    'User Principal Name',
    'Report Refresh Date',
    'Display Name',
    'Is Deleted',
    'Deleted Date',
    'Last Activity Date',
    'Send Count',
    'Receive Count',
    'Read Count',
    'Meeting Created Count',
    'Meeting Interacted Count',
    'Assigned Products',
    'Report Period',
    'Some New Column',
  ];
  const emailRows = USERS.map((u) => [reportUpn(u), refresh, reportName(u), 'False', '', u.outlook, '1', '2', '3', '0', '0', 'MICROSOFT 365 E5', '7', 'x']);
  emailRows.push([
    opts.concealed ? hex('old.user@contoso.com') : 'old.user@contoso.com',
    refresh,
    'Old, User',
    'True',
    '2024-04-01',
    '2024-03-30',
    '',
    '',
    '',
    '',
    '',
    '',
    '7',
    '',
  ]);
  writeFileSync(path.join(dir, 'reports', 'getEmailActivityUserDetail.csv'), csv([emailHeader, ...emailRows]));

  if (opts.manifest !== false) {
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        tenantId: TENANT,
        runId,
        snapshotDate,
        startedAt: `${snapshotDate}T02:00:00.000Z`,
        files: [],
        reportSettings: opts.displayConcealedNames === undefined ? null : opts.displayConcealedNames === null ? null : { displayConcealedNames: opts.displayConcealedNames },
      }),
    );
  }
  return dir;
}

export function tempDir(prefix = 'wh-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface WarehouseFiles {
  root: string;
  /** The private working database. */
  work: string;
  /** Where publish puts the analysts' copy. */
  published: string;
}

/** A fresh temp root with the working and published database paths the tests use. */
export function warehouseFiles(): WarehouseFiles {
  const root = tempDir();
  return { root, work: path.join(root, 'work', 'm365.duckdb'), published: path.join(root, 'm365.duckdb') };
}
