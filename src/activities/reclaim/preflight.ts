// The permission check a reclamation runs before anyone is asked to approve it.
import { requireOperations } from '../../graph/preflight';
import type { ReclaimDeps } from './types';

/** Fails non-retryably, before anyone is asked to approve, when the app cannot read users, their groups, or remove licences. */
export function createReclaimPreflight(deps: Pick<ReclaimDeps, 'graphFor'>) {
  return async function reclaimPreflight(input: { tenantId: string }): Promise<{ roles: string[] }> {
    const { tokens } = deps.graphFor(input.tenantId);
    // A fresh token, so consent granted or revoked since the cached one shows in this check.
    return { roles: await requireOperations(tokens, ['readUsers', 'assignLicense', 'checkMemberGroups'], { forceRefresh: true }) };
  };
}
