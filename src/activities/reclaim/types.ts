// What the reclamation activities take and return. Only ids, SKU/plan ids, dates and short reasons cross into
// workflow history: no UPN or other personal data appears here.
import type { KeyObject } from 'node:crypto';
import type { Authoriser, PersonProof } from '../../identity/authorisation';
import type { ExclusionRule } from '../../warehouse';
import type { GraphFactory } from '../graph-context';

export interface LicenseRef {
  skuId: string;
  disabledPlans: string[];
}

export interface ActivityBaseline {
  /** Newest activity over all services in the latest trusted snapshot (YYYY-MM-DD), null when never active. */
  lastActivityDate: string | null;
  /** The snapshot the value comes from; null when the warehouse has none for this user. */
  snapshotDate: string | null;
}

export interface UserInspection {
  exists: boolean;
  direct: LicenseRef[];
  groupInherited: { skuId: string; groupIds: string[] }[];
  /** Directly assigned SKU ids to remove (all, or those asked for). */
  scope: string[];
  notHeld: string[];
  /** SKUs in scope whose removal leaves the user without an Exchange Online mailbox plan. */
  mailboxSkus: string[];
  excludedBy: ExclusionRule | null;
  activity: ActivityBaseline;
  /** Against a baseline taken at the request: the latest snapshot shows newer activity. */
  activeSinceRequest: boolean;
  /**
   * Re-check only: why the warehouse facts cannot be trusted, so the reclamation must stop (fail closed) instead of
   * skipping the exclusion and activity checks: unreadable, its snapshot older than the freshness setting, or dated
   * after today (an age below zero would pass any freshness limit).
   */
  failClosed?: { reason: 'warehouse_unreadable' | 'snapshot_stale' | 'snapshot_in_future'; detail: string };
}

/** What the removal needs to verify, by itself, that it was authorised (the run comes from its own task). */
export interface RemovalRequest {
  tenantId: string;
  userId: string;
  /** The SKUs to remove now: within the approved scope (the re-check may have narrowed it). */
  skus: string[];
  /** The scope the approver reviewed: its hash is in the approval's binding. */
  approvedScope: string[];
  /** The sealed proofs as the workflow received them: the request's and the accepted approval's. */
  requester: PersonProof;
  approval: PersonProof;
}

export type RemovalResult =
  /** `receipt`: signed by the worker that removed (identity/authorisation.ts); what a restore may put back. */
  | { outcome: 'removed'; removed: string[]; alreadyRemoved: boolean; receipt: string }
  | { outcome: 'needs_group_change'; groupInherited: { skuId: string; groupIds: string[] }[]; detail?: string }
  | { outcome: 'user_not_found' }
  | { outcome: 'failed'; detail: string }
  /** The activity could not verify the authorisation: nothing was changed. */
  | { outcome: 'refused'; problem: string };

export interface RestoreRequest {
  tenantId: string;
  /** The removal receipt the reclamation's result carries; only what it lists comes back. */
  receipt: string;
  requester: PersonProof;
  approval: PersonProof;
}

export type AssignBackResult = { outcome: 'restored'; receipt: string } | { outcome: 'failed' | 'user_not_found'; detail?: string } | { outcome: 'refused'; problem: string };

/** What every reclamation activity factory is built from (the worker supplies it). */
export interface ReclaimDeps {
  graphFor: GraphFactory;
  dbPath: string;
  authoriser: Authoriser;
  approvalKey: () => KeyObject;
}
