// The public shape of reclaimLicenses and restoreLicenses: inputs, results, the status a `status` query
// returns, and the approve / reject signals. The CLI and the tests import these; the workflows implement them.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { AuditEvent, AuditOutcome, TimelineNote } from '../shared/audit';

export interface ReclaimInput {
  tenantId: string;
  /** The user's object id (never a UPN: the CLI resolves it before starting). */
  userId: string;
  requestedBy: string;
  reason?: string;
  /** Narrow the scope to these SKU ids; default: every directly assigned licence. */
  skus?: string[];
  /** Go through approval and checks and record what would go, without calling assignLicense. */
  dryRun?: boolean;
  /**
   * How long to wait for a decision (default 7 days); ends `expired` with nothing removed. An operator's
   * choice (`reclaim request --approval-timeout`), so it is an input; tests use the same path with seconds.
   */
  approvalTimeout?: Duration;
  /** Refuse an approval by the requester (default true). */
  requireDistinctApprover?: boolean;
}

export interface ApproveSignal {
  by: string;
  comment?: string;
}
export interface RejectSignal {
  by: string;
  reason: string;
}

/** Where a reclamation stands: a step while it runs, then the outcome its last audit row records. */
export type ReclaimStatusName = 'checking' | 'awaiting_approval' | 'rechecking' | 'removing' | Exclude<AuditOutcome, 'restored'>;

export interface ReclaimEvent {
  at: string;
  kind: AuditEvent | TimelineNote;
  by?: string;
  note?: string;
}

export interface GroupInherited {
  skuId: string;
  groupIds: string[];
}

export interface ReclaimState {
  workflowId: string;
  tenantId: string;
  userId: string;
  status: ReclaimStatusName;
  requestedBy: string;
  requestedAt: string;
  reason?: string;
  dryRun: boolean;
  /** Directly assigned SKU ids that go on approval. */
  scope: string[];
  /** SKU ids that stay because a group assigns them, with the groups to change. */
  groupInherited: GroupInherited[];
  /** SKU ids asked for with --skus that the user does not hold. */
  notHeld: string[];
  /** Disabled plans per SKU in scope, as read before removal (what restore puts back). */
  disabledPlans: Record<string, string[]>;
  /** Set when a removed SKU carries the user's only Exchange Online mailbox plan. */
  mailboxWarning?: string;
  decision?: { kind: 'approve' | 'reject'; by: string; at: string; note?: string };
  /** SKU ids removed (or, in a dry run, that would have been). */
  removed: string[];
  /** Why it ended aborted or failed (a short code or Graph's redacted message). */
  detail?: string;
  events: ReclaimEvent[];
}

export interface RestoreInput {
  tenantId: string;
  /** The reclaimLicenses workflow whose removal is undone. */
  reclaimWorkflowId: string;
  by: string;
}

export interface RestoreResult {
  reclaimWorkflowId: string;
  outcome: 'restored' | 'nothing_to_restore' | 'failed' | 'user_not_found';
  skus: string[];
  detail?: string;
}

export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rejectSignal = defineSignal<[RejectSignal]>('reject');
export const reclaimStatusQuery = defineQuery<ReclaimState>('status');

export const DEFAULT_APPROVAL_TIMEOUT = '7 days';
