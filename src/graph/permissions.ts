// The one table of Graph operations this pipeline performs and the application permissions that allow each:
// the preflights, the 403 diagnosis and the simulator's grant checks all read it, so they cannot disagree.
import { safeDecode } from './http';

/** One Graph operation: what an admin should grant, and every application permission that also allows it. */
export interface GraphOperation {
  /** The permission we ask an admin to grant (the narrowest widely available one). */
  grant: string;
  /** Any one of these allows the operation. */
  anyOf: readonly string[];
  /** Why the pipeline needs it, naming the usual alternative, for messages to the admin. */
  why: string;
  /** A condition beyond the permission that Graph also checks. */
  note?: string;
}

const READ_DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;

/** Each Graph call the pipeline makes, the least permission it asks for and what else Microsoft accepts (docs/graph.md). */
export const GRAPH_OPERATIONS = {
  readUsers: {
    grant: 'User.Read.All',
    anyOf: ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY],
    why: 'User.Read.All (or Directory.Read.All) to read users and their licences',
  },
  /** Users and SKUs through one grant: what the preflight asks for when the app can read neither. */
  readUsersAndSkus: {
    grant: 'Directory.Read.All',
    anyOf: READ_DIRECTORY,
    why: 'Directory.Read.All (or User.Read.All plus Organization.Read.All) to read users and subscribed SKUs',
  },
  readSignInActivity: {
    grant: 'AuditLog.Read.All',
    anyOf: ['AuditLog.Read.All'],
    why: 'AuditLog.Read.All (with User.Read.All) to read sign-in activity',
    note: 'signInActivity also needs a Microsoft Entra ID P1 or P2 license in the tenant',
  },
  readSubscribedSkus: {
    grant: 'Organization.Read.All',
    anyOf: ['Organization.Read.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY, 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All'],
    why: 'Organization.Read.All (or Directory.Read.All) to read subscribed SKUs',
  },
  /** GET /directory/subscriptions: Microsoft does not list LicenseAssignment.Read.All among the permissions for it. */
  readSubscriptions: {
    grant: 'Organization.Read.All',
    anyOf: ['Organization.Read.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY],
    why: 'Organization.Read.All (or Directory.Read.All) to read commerce subscriptions (terms, trials, renewal dates)',
  },
  readReports: {
    grant: 'Reports.Read.All',
    anyOf: ['Reports.Read.All'],
    why: 'Reports.Read.All to read Microsoft 365 usage reports',
  },
  readReportSettings: {
    grant: 'ReportSettings.Read.All',
    anyOf: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
    why: 'ReportSettings.Read.All to read the report privacy setting',
  },
  writeReportSettings: {
    grant: 'ReportSettings.ReadWrite.All',
    anyOf: ['ReportSettings.ReadWrite.All'],
    why: 'ReportSettings.ReadWrite.All to change the report privacy setting',
  },
  /** `settings set --exclude-group` resolves names and checks ids; Directory.Read.All (the pipeline's grant) covers it. */
  readGroups: {
    grant: 'Group.Read.All',
    anyOf: ['Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', ...READ_DIRECTORY],
    why: 'Group.Read.All (or Directory.Read.All) to find the groups excluded from reclamation',
  },
  /** Group membership (transitive) for the approvers group and exclusion groups: with readUsers, or Directory.Read.All alone. */
  checkMemberGroups: {
    grant: 'GroupMember.Read.All',
    anyOf: ['GroupMember.Read.All', 'Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', ...READ_DIRECTORY],
    why: 'GroupMember.Read.All with User.Read.All (or Directory.Read.All alone) to check approvers-group and exclusion-group membership',
  },
  /** Mail to the user before a removal and reminders to approvers, from one mailbox (restrict it: docs/reclamation.md). */
  sendMail: {
    grant: 'Mail.Send',
    anyOf: ['Mail.Send'],
    why: 'Mail.Send (limited to the sender mailbox by an application access policy) to tell users before a removal and remind approvers',
  },
  assignLicense: {
    grant: 'LicenseAssignment.ReadWrite.All',
    anyOf: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    why: 'LicenseAssignment.ReadWrite.All (or User.ReadWrite.All) to remove and restore licences',
  },
} as const satisfies Record<string, GraphOperation>;

/** The consent the whole pipeline asks for: users and SKUs, reports, licence removal, and the report privacy setting. */
export const PIPELINE_GRANTS: readonly string[] = [
  GRAPH_OPERATIONS.readUsersAndSkus.grant,
  GRAPH_OPERATIONS.readReports.grant,
  GRAPH_OPERATIONS.assignLicense.grant,
  GRAPH_OPERATIONS.readReportSettings.grant,
];

export type GraphOperationName = keyof typeof GRAPH_OPERATIONS;

/** True when the roles allow the operation. */
export const allows = (roles: Iterable<string>, op: GraphOperationName): boolean => {
  const held = new Set(roles);
  return GRAPH_OPERATIONS[op].anyOf.some((r) => held.has(r));
};

/** The operation a request performs, from its method, path (version prefix optional) and query. */
export function operationOf(method: string, url: URL): GraphOperationName | undefined {
  const p = url.pathname.replace(/^\/(v1\.0|beta)/, '');
  // The Copilot usage reports live under /copilot/reports since 2025-11; same permission as the other reports.
  if (p.startsWith('/reports/') || p.startsWith('/copilot/reports/')) return 'readReports';
  if (p.startsWith('/directory/subscriptions')) return 'readSubscriptions';
  if (p.startsWith('/admin/reportSettings')) return method.toUpperCase() === 'GET' ? 'readReportSettings' : 'writeReportSettings';
  if (/^\/users\/[^/]+\/assignLicense/i.test(p)) return 'assignLicense';
  if (/^\/users\/[^/]+\/sendMail/i.test(p)) return 'sendMail';
  if (p.startsWith('/groups')) return 'readGroups';
  if (/^\/users\/[^/]+\/checkMemberGroups/i.test(p)) return 'checkMemberGroups';
  if (p.startsWith('/users')) return /signInActivity/i.test(safeDecode(url.search)) ? 'readSignInActivity' : 'readUsers';
  if (p.startsWith('/subscribedSkus') || p.startsWith('/organization')) return 'readSubscribedSkus';
  return undefined;
}

/** The permission need of a request, for the 403 diagnosis. */
export function requiredPermission(method: string, url: URL): GraphOperation | undefined {
  const op = operationOf(method, url);
  return op ? GRAPH_OPERATIONS[op] : undefined;
}

/** The operations the roles do not allow, as the `missing` names and `why` phrases a GraphPermissionError carries. */
export function missingFor(roles: Iterable<string>, ops: readonly GraphOperationName[]): { missing: string[]; why: string[] } {
  const lacking = ops.filter((op) => !allows(roles, op));
  return { missing: lacking.map((op) => GRAPH_OPERATIONS[op].grant), why: lacking.map((op) => GRAPH_OPERATIONS[op].why) };
}

/** The admin-facing text for missing permissions: what is missing, why, and the exact steps to grant it. */
export function permissionMessage(clientId: string, why: string[], missing: string[], noRolesAtAll = false): string {
  const intro = noRolesAtAll
    ? `The app ${clientId} holds no Microsoft Graph application permissions (admin consent was never granted). It needs: `
    : `The app ${clientId} is missing Microsoft Graph application permissions: `;
  return (
    intro +
    why.join('; ') +
    `. Fix: Entra admin center → App registrations → ${clientId} → API permissions → Add a permission → Microsoft Graph → ` +
    `Application permissions → ${missing.join(', ')} → Add permissions → Grant admin consent for the tenant. Then run again.`
  );
}
