// Checks a token's application permissions against the permissions table before any work starts, so a
// missing consent fails once, non-retryably, naming every permission to grant and how.
import { GraphPermissionError } from './errors';
import { allows, GRAPH_OPERATIONS, missingFor, permissionMessage, type GraphOperationName } from './permissions';
import { decodeRoles } from './roles';

/** The part of a token provider a preflight needs (a fake in unit tests). */
export interface RoleSource {
  readonly clientId: string;
  getToken(opts?: { forceRefresh?: boolean }): Promise<string>;
}

export interface Preflight {
  roles: string[];
  canReadReportSettings: boolean;
  canReclaim: boolean;
}

/** Throws GraphPermissionError when `why` is not empty; the message carries the steps to grant `missing`. */
export function throwIfMissing(clientId: string, roles: string[], lack: { missing: string[]; why: string[] }): void {
  if (lack.missing.length) {
    throw new GraphPermissionError(permissionMessage(clientId, lack.why, lack.missing, roles.length === 0), { missing: lack.missing });
  }
}

/** The roles of a token, failing naming each permission that `ops` need and the token lacks. */
export async function requireOperations(tokens: RoleSource, ops: readonly GraphOperationName[], opts: { forceRefresh?: boolean } = {}): Promise<string[]> {
  const roles = decodeRoles(await tokens.getToken(opts));
  throwIfMissing(tokens.clientId, roles, missingFor(roles, ops));
  return roles;
}

/** The extract's check: users, SKUs and reports, plus license writes when reclamation is enabled. */
export async function preflight(tokens: RoleSource, opts: { needReclaim: boolean }): Promise<Preflight> {
  const roles = decodeRoles(await tokens.getToken());
  const ops: GraphOperationName[] = ['readUsers', 'readSubscribedSkus', 'readReports', ...(opts.needReclaim ? (['assignLicense'] as const) : [])];
  const lack = missingFor(roles, ops);
  if (!allows(roles, 'readUsers') && !allows(roles, 'readSubscribedSkus')) {
    // One permission covers both reads; ask for it rather than two.
    const both = GRAPH_OPERATIONS.readUsersAndSkus;
    lack.missing.splice(0, 2, both.grant);
    lack.why.splice(0, 2, both.why);
  }
  const reclaimAt = lack.missing.indexOf(GRAPH_OPERATIONS.assignLicense.grant);
  if (reclaimAt >= 0) lack.why[reclaimAt] += ', because reclamation is enabled (M365_RECLAIM_ENABLED)';
  throwIfMissing(tokens.clientId, roles, lack);
  return { roles, canReadReportSettings: allows(roles, 'readReportSettings'), canReclaim: allows(roles, 'assignLicense') };
}
