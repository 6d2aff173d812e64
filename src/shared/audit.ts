// The reclamation audit vocabulary: every row of the `reclamations` table is one of these named entries.
// The workflow records them, `recordReclamation` writes them, and the SQL that reads the audit back selects by
// them, so a word is written here once. Pure module (no I/O): workflow code imports it too.
// The written (event, outcome) pairs are the table's public contract (docs/warehouse.md): change a pair only
// with a note there, because analysts' queries depend on it.

/** The `event` column: what happened. */
export type AuditEvent =
  | 'requested'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'aborted'
  | 'executed'
  | 'failed'
  | 'restore_requested'
  | 'restore_approved'
  | 'restore_rejected'
  | 'restore_expired'
  | 'restored'
  | 'restore_failed';

/** The `outcome` column: how the reclamation (or restore) stands after the event; null while it is still open. */
export type AuditOutcome = 'executed' | 'dry_run' | 'needs_group_change' | 'user_not_found' | 'aborted' | 'rejected' | 'expired' | 'failed' | 'restored';

/** Each entry the workflows record, by a name that says what happened, with the pair written for it. */
export const AUDIT = {
  /** A request passed the first inspection; its scope is recorded. */
  requested: { event: 'requested', outcome: null },
  approved: { event: 'approved', outcome: null },
  rejected: { event: 'rejected', outcome: 'rejected' },
  /** No decision before the approval timeout: nothing removed. */
  expired: { event: 'expired', outcome: 'expired' },
  /** Ended before removal: no directly assigned licence in scope, excluded, active again, or licences gone. */
  aborted: { event: 'aborted', outcome: 'aborted' },
  /** Ended before removal because the user does not exist (at the request or the re-check). */
  abortedUserNotFound: { event: 'aborted', outcome: 'user_not_found' },
  /** Ended at the request: every licence in scope is inherited from a group. */
  abortedNeedsGroupChange: { event: 'aborted', outcome: 'needs_group_change' },
  /** Approved and re-checked in a dry run: the SKUs that would have gone, assignLicense not called. */
  dryRunCompleted: { event: 'executed', outcome: 'dry_run' },
  /** The directly assigned licences in scope were removed. */
  removed: { event: 'executed', outcome: 'executed' },
  /** Removed, but group-inherited copies of some SKUs stay with the user until the group changes. */
  removedGroupCopiesRemain: { event: 'executed', outcome: 'needs_group_change' },
  /** assignLicense found no such user. */
  removalUserNotFound: { event: 'failed', outcome: 'user_not_found' },
  /** Graph refused the removal: the licence is inherited from a group. */
  removalNeedsGroupChange: { event: 'failed', outcome: 'needs_group_change' },
  /** The removal or an earlier step failed (Graph's redacted message or the root error in `detail`). */
  failed: { event: 'failed', outcome: 'failed' },
  /** A restore was asked for (by a verified person); it waits for another approver, as a removal does. */
  restoreRequested: { event: 'restore_requested', outcome: null },
  restoreApproved: { event: 'restore_approved', outcome: null },
  restoreRejected: { event: 'restore_rejected', outcome: 'rejected' },
  restoreExpired: { event: 'restore_expired', outcome: 'expired' },
  restored: { event: 'restored', outcome: 'restored' },
  restoreFailed: { event: 'restore_failed', outcome: 'failed' },
  restoreUserNotFound: { event: 'restore_failed', outcome: 'user_not_found' },
} as const satisfies Record<string, { event: AuditEvent; outcome: AuditOutcome | null }>;

export type AuditEntry = keyof typeof AUDIT;

/** The entries whose row lists SKUs actually taken from the user (restore itself reads the workflow's result). */
export const REMOVAL_ENTRIES = ['removed', 'removedGroupCopiesRemain'] as const satisfies readonly AuditEntry[];

/** `event outcome` keys of entries, for SQL that matches rows against a list. */
export const auditKeys = (entries: readonly AuditEntry[]): string[] => entries.map((e) => `${AUDIT[e].event} ${AUDIT[e].outcome}`);

/**
 * Timeline-only kinds in a reclamation's status (ReclaimState.events): decisions the workflow ignored and
 * facts it noticed. They are never audit rows.
 */
export type TimelineNote =
  'ignored_approve' | 'ignored_reject' | 'scope_narrowed' | 'already_removed' | 'reminded' | 'escalated' | 'notice_sent' | 'user_objected' | 'ignored_user_response';
