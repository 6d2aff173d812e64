// The permissions table is the one source for the preflights, the 403 diagnosis and the simulator's grants.
import { describe, expect, it } from 'vitest';
import { GraphPermissionError } from '../../src/graph/errors';
import { GRAPH_OPERATIONS, allows, missingFor, operationOf, requiredPermission } from '../../src/graph/permissions';
import { requireOperations } from '../../src/graph/preflight';
import { ROLES } from '../../src/simulator/graph-access';
import { fakeToken } from '../support/graph-stub-server';

const url = (p: string) => new URL(`https://graph.example${p}`);

describe('GRAPH_OPERATIONS', () => {
  it('maps every request the pipeline makes to its operation', () => {
    expect(operationOf('GET', url('/v1.0/users?$select=id,assignedLicenses&$top=999'))).toBe('readUsers');
    expect(operationOf('GET', url('/v1.0/users?$select=id,signInActivity'))).toBe('readSignInActivity');
    expect(operationOf('GET', url('/v1.0/users/jane%40contoso.com?$select=id'))).toBe('readUsers');
    expect(operationOf('POST', url('/v1.0/users/0b6c/assignLicense'))).toBe('assignLicense');
    expect(operationOf('GET', url('/v1.0/subscribedSkus'))).toBe('readSubscribedSkus');
    expect(operationOf('GET', url("/beta/reports/getOffice365ActiveUserDetail(period='D7')"))).toBe('readReports');
    expect(operationOf('GET', url('/v1.0/admin/reportSettings'))).toBe('readReportSettings');
    expect(operationOf('PATCH', url('/v1.0/admin/reportSettings'))).toBe('writeReportSettings');
    expect(operationOf('GET', url("/v1.0/groups?$filter=displayName eq 'x'"))).toBe('readGroups');
    expect(operationOf('GET', url('/v1.0/directoryRoles'))).toBeUndefined();
  });

  it("the 403 diagnosis asks for the table's grant", () => {
    expect(requiredPermission('POST', url('/v1.0/users/0b6c/assignLicense'))).toBe(GRAPH_OPERATIONS.assignLicense);
  });

  it('the simulator grants exactly what the table allows', () => {
    expect(ROLES.assignLicense).toBe(GRAPH_OPERATIONS.assignLicense.anyOf);
    expect(ROLES.skus).toBe(GRAPH_OPERATIONS.readSubscribedSkus.anyOf);
    expect(ROLES.users).toBe(GRAPH_OPERATIONS.readUsers.anyOf);
    expect(ROLES.groups).toBe(GRAPH_OPERATIONS.readGroups.anyOf);
  });

  it('any one listed permission allows the operation; a read permission never allows a write', () => {
    for (const r of GRAPH_OPERATIONS.assignLicense.anyOf) expect(allows([r], 'assignLicense')).toBe(true);
    expect(allows(['Directory.Read.All', 'User.Read.All', 'LicenseAssignment.Read.All'], 'assignLicense')).toBe(false);
    expect(allows(['LicenseAssignment.Read.All'], 'readSubscribedSkus')).toBe(true);
    expect(missingFor(['Directory.Read.All'], ['readUsers', 'readReports', 'assignLicense']).missing).toEqual(['Reports.Read.All', 'LicenseAssignment.ReadWrite.All']);
  });
});

describe('requireOperations (the reclamation preflight)', () => {
  const tokens = (roles: string[], seen: { force?: boolean } = {}) => ({
    clientId: 'app-1',
    getToken: async (o?: { forceRefresh?: boolean }) => {
      seen.force = o?.forceRefresh;
      return fakeToken(roles);
    },
  });

  it('returns the roles when the token allows every operation, asking for a fresh token', async () => {
    const seen: { force?: boolean } = {};
    await expect(requireOperations(tokens(['User.ReadWrite.All'], seen), ['readUsers', 'assignLicense'], { forceRefresh: true })).resolves.toEqual(['User.ReadWrite.All']);
    expect(seen.force).toBe(true);
  });

  it('names each missing grant and why, with the steps to grant it', async () => {
    const err = (await requireOperations(tokens(['Directory.Read.All']), ['readUsers', 'assignLicense']).catch((e: unknown) => e)) as GraphPermissionError;
    expect(err).toBeInstanceOf(GraphPermissionError);
    expect(err.missing).toEqual([GRAPH_OPERATIONS.assignLicense.grant]);
    expect(err.message).toContain(GRAPH_OPERATIONS.assignLicense.why);
    expect(err.message).toContain('Grant admin consent');
  });
});
