// Reclamation activities: permission preflight (preflight.ts), reading one user's licences plus the published
// warehouse's activity and exclusions (inspection.ts), the idempotent removal (removal.ts), and putting licences
// back (assign-back.ts). Only ids, SKU/plan ids, dates and short reasons are returned: the UPN read from Graph for
// the exclusion check never leaves the activity.
import { createAssignBack } from './assign-back';
import { createInspectUser } from './inspection';
import { createReclaimPreflight } from './preflight';
import { createRemoveLicenses } from './removal';
import type { ReclaimDeps } from './types';

export type { ActivityBaseline, AssignBackResult, LicenseRef, RemovalRequest, RemovalResult, RestoreRequest, UserInspection } from './types';
export { resolveUserId } from './graph-user';

export function createReclaimActivities(deps: ReclaimDeps) {
  return {
    reclaimPreflight: createReclaimPreflight(deps),
    inspectUser: createInspectUser(deps),
    removeLicenses: createRemoveLicenses(deps),
    assignBack: createAssignBack(deps),
  };
}
