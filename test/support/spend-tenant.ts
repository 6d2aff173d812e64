// A small crafted tenant for the money tests, written as a staging directory exactly as the extract stages it:
// user pages, subscribedSkus.json with service plans, subscriptions.json, the two usage reports and the Copilot report.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ACTIVE_HEADER, EMAIL_HEADER } from './staging-fixtures';

export const TENANT = 'aaaaaaaa-1111-2222-3333-444444444444';

const plan = (servicePlanName: string, servicePlanId: string, appliesTo = 'User') => ({ servicePlanId, servicePlanName, provisioningStatus: 'Success', appliesTo });
const EXO_E = plan('EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0');
const EXO_F = plan('EXCHANGE_S_FOUNDATION', '113feb6c-3fe4-4440-bddc-54d774bf0318', 'Company');
const SPO_E = plan('SHAREPOINTENTERPRISE', '5dbe027f-2339-4123-9542-606e4d348a72');
const TEAMS = plan('TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929');
const APPS = plan('OFFICESUBSCRIPTION', '43de0ff5-c92c-492b-9116-175376d08c38');
const FORMS_E3 = plan('FORMS_PLAN_E3', '2789c901-c14e-48ab-a76a-be334d9d793a');
const FORMS_E5 = plan('FORMS_PLAN_E5', 'e212cbc7-0961-4c40-9825-01117710dcb1');
const PBI_P2 = plan('BI_AZURE_P2', '70d33638-9c74-4d01-bfd3-562de28bd4ba');
const COPILOT_APPS = plan('M365_COPILOT_APPS', 'a62f8878-de10-42f3-b68f-6149a25ceb97');
const COPILOT_CHAT = plan('M365_COPILOT_BUSINESS_CHAT', '3f30311c-6b1e-48a4-ab79-725b469da960');
const VISIO = plan('VISIO_CLIENT_SUBSCRIPTION', '663a804f-1c30-4ff0-9915-9db84f0d1cea');

export interface Sku {
  skuId: string;
  part: string;
  plans: ReturnType<typeof plan>[];
}
export const SKU = {
  E5: { skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', part: 'SPE_E5', plans: [EXO_E, SPO_E, TEAMS, APPS, FORMS_E5, PBI_P2] },
  O365E3: { skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', part: 'ENTERPRISEPACK', plans: [EXO_E, SPO_E, TEAMS, APPS, FORMS_E3] },
  E3: { skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', part: 'SPE_E3', plans: [EXO_E, SPO_E, TEAMS, APPS, FORMS_E3] },
  COPILOT: { skuId: '639dec6b-bb19-468b-871c-c5c441c4b0cb', part: 'Microsoft_365_Copilot', plans: [COPILOT_APPS, COPILOT_CHAT] },
  PBI: { skuId: 'f8a1db68-be16-40ed-86d5-cb42ce701560', part: 'POWER_BI_PRO', plans: [EXO_F, PBI_P2] },
  VISIO: { skuId: 'c5928f49-12ba-48f7-ada3-0d743a3601d5', part: 'VISIOCLIENT', plans: [EXO_F, VISIO] },
} satisfies Record<string, Sku>;

type Dates = Partial<Record<'exchange' | 'onedrive' | 'sharepoint' | 'skype' | 'yammer' | 'teams' | 'outlook' | 'copilot', string>>;
export interface User {
  id: string;
  upn: string;
  enabled?: boolean;
  department: string;
  licenses: Array<{ sku: Sku; assigned: string }>;
  activity: Dates;
  /** Sign-in times as Graph's signInActivity would give them. */
  signIn?: { last?: string; nonInteractive?: string; successful?: string };
}

export interface Subscription {
  id: string;
  commerce: string;
  sku: Sku;
  seats: number;
  status: string;
  trial: boolean;
  created: string;
  next: string | null;
}

export interface TenantSpec {
  snapshotDate: string;
  refreshDate: string;
  users: User[];
  /** prepaidUnits.enabled per SKU part number. */
  purchased: Record<string, number>;
  subscriptions: Subscription[];
  concealed?: boolean;
  /** Only the Copilot report conceals names. */
  copilotConcealed?: boolean;
}

const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csv = (rows: string[][]): string => '\uFEFF' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
const hide = (s: string): string => Buffer.from(s).toString('hex').padEnd(32, '0').slice(0, 32).toUpperCase();

export const COPILOT_HEADER = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Last Activity Date',
  'Copilot Chat Last Activity Date',
  'Microsoft Teams Copilot Last Activity Date',
  'Word Copilot Last Activity Date',
  'Excel Copilot Last Activity Date',
  'PowerPoint Copilot Last Activity Date',
  'Outlook Copilot Last Activity Date',
  'OneNote Copilot Last Activity Date',
  'Loop Copilot Last Activity Date',
  'Report Period',
];

export function writeTenant(root: string, spec: TenantSpec): string {
  const dir = path.join(root, `run-${spec.snapshotDate}`);
  mkdirSync(path.join(dir, 'users'), { recursive: true });
  mkdirSync(path.join(dir, 'reports'), { recursive: true });
  const users = spec.users.map((u) => ({
    id: u.id,
    userPrincipalName: u.upn,
    displayName: u.id,
    mail: u.upn,
    accountEnabled: u.enabled ?? true,
    userType: 'Member',
    createdDateTime: '2021-01-04T08:00:00Z',
    department: u.department,
    jobTitle: null,
    usageLocation: 'US',
    assignedLicenses: u.licenses.map((l) => ({ skuId: l.sku.skuId, disabledPlans: [] })),
    licenseAssignmentStates: u.licenses.map((l) => ({
      skuId: l.sku.skuId,
      assignedByGroup: null,
      state: 'Active',
      error: null,
      disabledPlans: [],
      lastUpdatedDateTime: `${l.assigned}T09:00:00Z`,
    })),
    ...(u.signIn
      ? {
          signInActivity: {
            lastSignInDateTime: u.signIn.last ?? null,
            lastNonInteractiveSignInDateTime: u.signIn.nonInteractive ?? null,
            lastSuccessfulSignInDateTime: u.signIn.successful ?? null,
          },
        }
      : {}),
  }));
  writeFileSync(path.join(dir, 'users', 'page-0001.json'), JSON.stringify({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value: users }));
  const skus = Object.values(SKU).map((s) => ({
    id: `${TENANT}_${s.skuId}`,
    accountId: TENANT,
    accountName: 'crafted',
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: spec.users.filter((u) => u.licenses.some((l) => l.sku === s)).length,
    prepaidUnits: { enabled: spec.purchased[s.part] ?? 0, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: s.plans,
    skuId: s.skuId,
    skuPartNumber: s.part,
    subscriptionIds: [],
  }));
  writeFileSync(path.join(dir, 'subscribedSkus.json'), JSON.stringify({ value: skus }));
  writeFileSync(
    path.join(dir, 'subscriptions.json'),
    JSON.stringify({
      value: spec.subscriptions.map((s) => ({
        id: s.id,
        commerceSubscriptionId: s.commerce,
        createdDateTime: s.created,
        isTrial: s.trial,
        nextLifecycleDateTime: s.next,
        ownerId: null,
        ownerTenantId: null,
        ownerType: null,
        serviceStatus: s.sku.plans,
        skuId: s.sku.skuId,
        skuPartNumber: s.sku.part,
        status: s.status,
        totalLicenses: s.seats,
      })),
    }),
  );
  const upn = (u: User) => (spec.concealed ? hide(u.upn) : u.upn);
  const a = (u: User, k: keyof Dates) => u.activity[k] ?? '';
  const active = spec.users.map((u) => {
    const lic = u.licenses.length > 0 ? 'True' : 'False';
    const assign = u.licenses[0]?.assigned ?? '';
    return [
      spec.refreshDate,
      upn(u),
      u.id,
      'False',
      '',
      lic,
      lic,
      lic,
      lic,
      lic,
      lic,
      a(u, 'exchange'),
      a(u, 'onedrive'),
      a(u, 'sharepoint'),
      a(u, 'skype'),
      a(u, 'yammer'),
      a(u, 'teams'),
      assign,
      assign,
      assign,
      assign,
      assign,
      assign,
      '',
    ];
  });
  writeFileSync(path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv'), csv([ACTIVE_HEADER, ...active]));
  const email = spec.users.map((u) => [spec.refreshDate, upn(u), u.id, 'False', '', a(u, 'outlook'), '1', '1', '1', '0', '0', '', '7']);
  writeFileSync(path.join(dir, 'reports', 'getEmailActivityUserDetail.csv'), csv([EMAIL_HEADER, ...email]));
  const copilot = spec.users
    .filter((u) => u.licenses.some((l) => l.sku === SKU.COPILOT))
    .map((u) => [spec.refreshDate, spec.copilotConcealed ? hide(u.upn) : upn(u), u.id, a(u, 'copilot'), a(u, 'copilot'), '', a(u, 'copilot'), '', '', '', '', '', '30']);
  writeFileSync(path.join(dir, 'reports', 'getMicrosoft365CopilotUsageUserDetail.csv'), csv([COPILOT_HEADER, ...copilot]));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ tenantId: TENANT, runId: `run-${spec.snapshotDate}`, snapshotDate: spec.snapshotDate, files: [] }));
  return dir;
}

const OLD = '2024-02-01';
const lic = (sku: Sku, assigned = OLD) => ({ sku, assigned });
const busy = (d: string): Dates => ({ exchange: d, outlook: d, teams: d, sharepoint: d, onedrive: d });

/** The crafted tenant of the money tests (see test/warehouse/models/spend.test.ts for the figures worked out by hand). */
export function craftedTenant(snapshotDate: string, e3Purchased: number, refreshDate = '2026-05-18'): TenantSpec {
  return {
    snapshotDate,
    refreshDate,
    purchased: { SPE_E5: 5, ENTERPRISEPACK: 3, SPE_E3: e3Purchased, Microsoft_365_Copilot: 3, POWER_BI_PRO: 5, VISIOCLIENT: 2 },
    users: [
      {
        id: 'u-ana',
        upn: 'ana@crafted.test',
        department: 'Sales',
        licenses: [lic(SKU.E5), lic(SKU.COPILOT, '2026-01-10')],
        activity: { ...busy('2026-05-17'), copilot: '2026-05-10' },
      },
      { id: 'u-ben', upn: 'ben@crafted.test', department: 'Sales', licenses: [lic(SKU.E5), lic(SKU.COPILOT, '2026-01-10')], activity: busy('2026-05-16') },
      { id: 'u-cid', upn: 'cid@crafted.test', department: 'Sales', licenses: [lic(SKU.E3), lic(SKU.COPILOT, '2026-05-12')], activity: busy('2026-05-17') },
      { id: 'u-olga', upn: 'olga@crafted.test', department: 'Finance', licenses: [lic(SKU.E5), lic(SKU.O365E3)], activity: busy('2026-05-15') },
      { id: 'u-ivy', upn: 'ivy@crafted.test', department: 'Finance', licenses: [lic(SKU.E5)], activity: busy('2026-05-14') },
      { id: 'u-dan', upn: 'dan@crafted.test', department: 'Finance', licenses: [lic(SKU.E3)], activity: busy('2025-12-01') },
      { id: 'u-eve', upn: 'eve@crafted.test', department: 'Finance', enabled: false, licenses: [lic(SKU.E3), lic(SKU.PBI)], activity: {} },
      { id: 'u-fay', upn: 'fay@crafted.test', department: 'Finance', licenses: [lic(SKU.E3)], activity: { exchange: '2026-05-15', outlook: '2026-05-15' } },
      { id: 'u-gus', upn: 'gus@crafted.test', department: 'Finance', licenses: [lic(SKU.E3), lic(SKU.VISIO)], activity: busy('2026-05-13') },
      { id: 'u-hal', upn: 'hal@crafted.test', department: 'Finance', licenses: [lic(SKU.O365E3)], activity: busy('2026-05-12') },
    ],
    subscriptions: [
      { id: 'sub-e5', commerce: 'cs-e5', sku: SKU.E5, seats: 5, status: 'Enabled', trial: false, created: '2025-09-01T00:00:00Z', next: '2026-09-01T00:00:00Z' },
      { id: 'sub-e3', commerce: 'cs-e3', sku: SKU.E3, seats: e3Purchased, status: 'Enabled', trial: false, created: '2024-02-01T00:00:00Z', next: '2026-06-01T00:00:00Z' },
      { id: 'sub-o3', commerce: 'cs-o3', sku: SKU.O365E3, seats: 3, status: 'Enabled', trial: false, created: '2025-01-15T00:00:00Z', next: '2027-01-15T00:00:00Z' },
      { id: 'sub-cop', commerce: 'cs-cop', sku: SKU.COPILOT, seats: 3, status: 'Enabled', trial: false, created: '2025-11-01T00:00:00Z', next: '2026-11-01T00:00:00Z' },
      { id: 'sub-pbi', commerce: 'cs-pbi', sku: SKU.PBI, seats: 5, status: 'Enabled', trial: true, created: '2026-05-11T00:00:00Z', next: '2026-06-10T00:00:00Z' },
      { id: 'sub-visio', commerce: 'cs-visio', sku: SKU.VISIO, seats: 2, status: 'Warning', trial: false, created: '2025-06-05T00:00:00Z', next: '2026-06-05T00:00:00Z' },
    ],
  };
}
