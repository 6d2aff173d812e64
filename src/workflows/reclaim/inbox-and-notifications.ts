// What a reclamation tells the outside while it runs: its state and scope as search attributes (the approver's
// inbox, `reclaim list`) and notifications (awaiting approval, executed, failed). Neither holds up a decision.
// Both are new commands, so executions started before them replay without (patch below).
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { AUDIT, type AuditEntry } from '../../shared/audit';
import { RECLAIM_STATE_ATTR, REQUESTER_ATTR, SCOPE_ATTR, TENANT_ATTR } from '../../shared/search-attributes';
import type { IdentityProof } from '../../activities/reclaim/approvals';
import { mailApproversInBackground, notifyBeforeEnd, notifyInBackground } from '../notify';
import type { ReclaimState } from './messages';

export const INBOX_PATCH = 'reclaim-inbox-and-notifications';

export interface ReclaimInbox {
  /** After every status change. */
  publish(): void;
  /** The request waits for a human: publish, and notify without waiting for the delivery. */
  awaitingApproval(): void;
  /** Still waiting after the reminder delay: notify, and mail the approvers where mail is configured. */
  reminded(requester: IdentityProof): void;
  /** Still waiting after the escalation delay: notify, and mail the escalation group where configured. */
  escalated(requester: IdentityProof): void;
  /** The user said they still need the licences: the request waits for approvers again. */
  userObjected(): void;
  /** The reclamation ended with this audit entry (already recorded): publish, and notify executed or failed. */
  ended(entry: AuditEntry): Promise<void>;
}

export function reclaimInbox(state: ReclaimState): ReclaimInbox {
  // Asked once, at the start: an execution keeps the path it began on for its whole life.
  const on = patched(INBOX_PATCH);
  const facts = () => ({
    tenantId: state.tenantId,
    state: state.status,
    counts: { skus: state.scope.length, removed: state.removed.length },
    ...(state.receipt ? { receipt: state.receipt } : {}),
  });
  const publish = (): void => {
    if (!on) return;
    upsertSearchAttributes([
      { key: TENANT_ATTR, value: state.tenantId },
      { key: RECLAIM_STATE_ATTR, value: state.status },
      { key: SCOPE_ATTR, value: state.scope.length },
      // The verified requester's object id (or the lab mode's opaque stand-in), never a name.
      ...(state.requesterId ? [{ key: REQUESTER_ATTR, value: state.requesterId }] : []),
    ]);
  };
  return {
    publish,
    awaitingApproval() {
      publish();
      if (on) notifyInBackground('reclamation.awaiting_approval', facts());
    },
    reminded(requester) {
      state.remindedAt = new Date().toISOString();
      state.events.push({ at: state.remindedAt, kind: 'reminded' });
      if (!on) return;
      notifyInBackground('reclamation.reminder', facts());
      mailApproversInBackground({ tenantId: state.tenantId, kind: 'reminder', requester, waitingSince: state.requestedAt, skuCount: state.scope.length });
    },
    escalated(requester) {
      state.escalatedAt = new Date().toISOString();
      state.events.push({ at: state.escalatedAt, kind: 'escalated' });
      if (!on) return;
      notifyInBackground('reclamation.escalated', facts());
      mailApproversInBackground({ tenantId: state.tenantId, kind: 'escalation', requester, waitingSince: state.requestedAt, skuCount: state.scope.length });
    },
    userObjected() {
      if (on) notifyInBackground('reclamation.user_objected', facts());
    },
    async ended(entry) {
      publish();
      if (!on) return;
      const { event } = AUDIT[entry];
      if (event === 'executed') await notifyBeforeEnd('reclamation.executed', facts());
      else if (event === 'failed') await notifyBeforeEnd('reclamation.failed', facts());
    },
  };
}
