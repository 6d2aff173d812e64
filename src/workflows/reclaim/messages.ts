// The public shape of reclaimLicenses and restoreLicenses: inputs, results, the status a `status` query
// returns; the approve / reject updates and signals live in approval-gate.ts. The CLI and the tests import these.
import { defineQuery } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { IdentityMode, IdentityProof } from '../../activities/reclaim/approvals';
import type { AuditEvent, AuditOutcome, TimelineNote } from '../../shared/audit';
export { approveSignal, approveUpdate, rejectSignal, rejectUpdate, type DecisionInput, type DecisionVerdict } from './approval-gate';

export interface ReclaimInput {
  tenantId: string;
  /** The user's object id (never a UPN: the CLI resolves it before starting). */
  userId: string;
  /** Who asks: their sealed ID token (`m365-license auth token`), verified by the worker; `by` only in the lab mode. */
  requester: IdentityProof;
  /** Why, sealed (`m365-license auth seal`): opened into the audit table, never readable in history. */
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
  /**
   * Days the user is told before the removal (`reclaim request --notice-days`, default from the tenant's settings):
   * after the approval a mail names the licences, the date and why, with an "I still need it" link; 0 or unset
   * removes at once.
   */
  noticeDays?: number;
  /**
   * While the request waits for a decision: remind the approvers after `remindAfter`, then tell the escalation group
   * `escalateAfter` later (each optional; the approval timeout still ends the wait). Unset: neither.
   */
  reminders?: { remindAfter?: Duration; escalateAfter?: Duration };
}

/** Where a reclamation stands: a step while it runs, then the outcome its last audit row records. */
export type ReclaimStatusName = 'checking' | 'awaiting_approval' | 'notice_given' | 'rechecking' | 'removing' | Exclude<AuditOutcome, 'restored'>;

export interface ReclaimEvent {
  at: string;
  kind: AuditEvent | TimelineNote;
  /** An object id (or the lab mode's stand-in), never a name. */
  by?: string;
  note?: string;
}

/** What the approval gate adds to both workflows' state (approval-gate.ts reads and writes it). */
export interface ApprovalFields {
  /** This run: an approval names it. */
  runId: string;
  /** The hash of the scope shown (shared/scope-hash.ts): an approval names it. */
  scopeHash: string;
  /** The requester's object id, from their verified sign-in ('' until verified). */
  requesterId: string;
  requestedAt: string;
  /** `verified` (Entra sign-in checked by the worker) or the lab's `unverified`. */
  identity: IdentityMode;
  /** The audit row holding the request's reason (the text itself is only in the audit table). */
  reasonRef?: string;
  decision?: { kind: 'approve' | 'reject'; by: string; at: string };
  events: ReclaimEvent[];
}

export interface GroupInherited {
  skuId: string;
  groupIds: string[];
}

export interface ReclaimState extends ApprovalFields {
  workflowId: string;
  tenantId: string;
  userId: string;
  status: ReclaimStatusName;
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
  /** SKU ids removed (or, in a dry run, that would have been). */
  removed: string[];
  /** The removal's receipt, signed by the worker that removed: what a restore may put back (ids only). */
  receipt?: string;
  /** Why it ended aborted or failed (a short code or Graph's redacted message). */
  detail?: string;
  /** When the approvers were reminded, and the escalation group told, while it waited (workflow time). */
  remindedAt?: string;
  escalatedAt?: string;
  /** The user was told: the date the mail names for the removal (YYYY-MM-DD). */
  noticeRemovalDate?: string;
  /** The user answered "I still need it" (a verified link): the removal waits for an approver to decide again. */
  userObjectedAt?: string;
}

export interface RestoreInput {
  tenantId: string;
  /** The reclaimLicenses workflow whose removal is undone; what it removed is read from its result in Temporal. */
  reclaimWorkflowId: string;
  /** A particular run of it (default: the latest). */
  reclaimRunId?: string;
  /** Who asks, as for a reclamation; another approver must approve, as for a removal. */
  requester: IdentityProof;
  /** Why, sealed. */
  reason?: string;
  approvalTimeout?: Duration;
}

export type RestoreStatusName =
  'checking' | 'awaiting_approval' | 'restoring' | 'restored' | 'nothing_to_restore' | 'rejected' | 'expired' | 'aborted' | 'failed' | 'user_not_found';

export interface RestoreState extends ApprovalFields {
  workflowId: string;
  tenantId: string;
  reclaimWorkflowId: string;
  /** The reclamation run whose result says what was removed. */
  sourceRunId?: string;
  userId: string;
  status: RestoreStatusName;
  /** What comes back: the SKUs and disabled plans the reclamation's result records. */
  licenses: { skuId: string; disabledPlans: string[] }[];
  detail?: string;
}

/** What `reclaim status` shows: a reclamation's or a restore's state. */
export type AnyReclaimState = ReclaimState | RestoreState;

export interface RestoreResult {
  reclaimWorkflowId: string;
  outcome: RestoreStatusName;
  skus: string[];
  detail?: string;
}

export const reclaimStatusQuery = defineQuery<ReclaimState>('status');
export const restoreStatusQuery = defineQuery<RestoreState>('status');

export const DEFAULT_APPROVAL_TIMEOUT = '7 days';
