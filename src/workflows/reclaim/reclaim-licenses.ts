// reclaimLicenses: verify the requester -> preflight -> inspect -> wait for an approver (approve | reject | timeout,
// approval-gate.ts; reminders and escalation, waiting.ts) -> with notice days, tell the user and wait, an "I still
// need it" sending it back to the approvers (user-notice.ts) -> re-check (fails closed) -> remove the directly assigned licences in scope -> verify and
// audit. It may wait days for a decision: read the workflows README before changing what it does.
// Only ids, SKU and plan ids, dates, hashes, sealed text and short codes cross into history: names, reasons and
// comments are opened by the audit writer, in the worker.
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { IdentityVerdict } from '../../activities/reclaim/approvals';
import type { RemovalResult, UserInspection } from '../../activities/reclaim/licences';
import type { AuditClaim, SealedAuditText } from '../../activities/warehouse';
import { AUDIT, type AuditEntry } from '../../shared/audit';
import { scopeHash } from '../../shared/scope-hash';
import type { ReclamationEvent } from '../../warehouse/index';
import { decisionText, installApprovalGate } from './approval-gate';
import { cleanupThenRethrow, rootMessage } from '../failures';
import { act, quick, warehouseFor } from './proxies';
import { reclaimInbox } from './inbox-and-notifications';
import { givesNotice, installUserResponse } from './user-notice';
import { awaitDecision } from './waiting';
import { reclaimStatusQuery, type ReclaimEvent, type ReclaimInput, type ReclaimState, type ReclaimStatusName } from './messages';
import { groupDetail, mailboxWarning } from './texts';

type AuditExtra = Pick<ReclamationEvent, 'actor' | 'skus' | 'detail' | 'disabledPlans'> & { sealed?: SealedAuditText } & AuditClaim;

const now = (): string => new Date().toISOString();

export async function reclaimLicenses(input: ReclaimInput): Promise<ReclaimState> {
  const { workflowId, runId, taskQueue } = workflowInfo();
  const state: ReclaimState = {
    workflowId,
    runId,
    tenantId: input.tenantId,
    userId: input.userId,
    status: 'checking',
    requesterId: '',
    requestedAt: now(),
    identity: 'verified',
    scopeHash: '',
    dryRun: input.dryRun ?? false,
    scope: [],
    groupInherited: [],
    notHeld: [],
    disabledPlans: {},
    removed: [],
    events: [],
  };
  setHandler(reclaimStatusQuery, () => state);
  const warehouse = warehouseFor(taskQueue);
  const audit = (entry: AuditEntry, extra: AuditExtra = {}) =>
    warehouse.recordReclamation({ workflowId, runId, tenantId: input.tenantId, userId: input.userId, identity: state.identity, ...AUDIT[entry], at: now(), ...extra });
  const note = (kind: ReclaimEvent['kind'], by?: string | null, text?: string | null): void => {
    state.events.push({ at: now(), kind, ...(by ? { by } : {}), ...(text ? { note: text } : {}) });
  };
  const gate = installApprovalGate(state, { verify: (proof, expect) => quick.verifyPerson({ tenantId: input.tenantId, proof, role: 'approver', expect }), now });
  installUserResponse(state, { check: (token) => quick.checkUserResponse({ token }), note: (kind, text) => note(kind, undefined, text), now });
  const inbox = reclaimInbox(state);
  inbox.publish();

  /** Ends the reclamation: its status becomes the entry's outcome, noted and audited. */
  const finish = async (entry: FinalEntry, extra: AuditExtra = {}): Promise<ReclaimState> => {
    const { event, outcome } = AUDIT[entry];
    state.status = outcome;
    if (extra.detail) state.detail = extra.detail;
    note(event, extra.actor, extra.detail);
    await audit(entry, extra);
    // A decision still being checked when the reclamation ends is answered (refused: wrong state) first.
    await condition(allHandlersFinished);
    await inbox.ended(entry);
    return state;
  };

  try {
    // Who asks, proven by their sign-in and checked in the worker; the workflow input cannot switch it off.
    const requester: IdentityVerdict = await quick.verifyPerson({ tenantId: input.tenantId, proof: input.requester, role: 'requester', expect: { purpose: 'request', workflowId } });
    state.identity = requester.mode;
    if (!requester.ok) return await finish('aborted', { detail: `requester_not_verified: ${requester.problem}` });
    state.requesterId = requester.objectId;
    await quick.reclaimPreflight({ tenantId: input.tenantId });
    const first = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus });
    applyInspection(state, first);
    state.scopeHash = scopeHash({ kind: 'remove', tenantId: input.tenantId, userId: input.userId, skus: state.scope, dryRun: state.dryRun });
    const reviewedScope = state.scope;
    note('requested', state.requesterId);
    const requested = await audit('requested', {
      actor: state.requesterId,
      proof: input.requester,
      sealed: { actorUpn: requester.actorSealed, ...(input.reason ? { text: input.reason } : {}) },
      skus: state.scope,
      disabledPlans: state.disabledPlans,
      detail: groupDetail(state),
    });
    if (input.reason) state.reasonRef = requested.ref;
    if (!first.exists) return await finish('abortedUserNotFound', { detail: 'user_not_found' });
    if (state.scope.length === 0) {
      if (state.groupInherited.length) return await finish('abortedNeedsGroupChange', { skus: [], detail: groupDetail(state) });
      return await finish('aborted', { detail: 'no_direct_licenses_in_scope' });
    }

    // Wait for a decision; with notice days, an approval first tells the user, and their "I still need it" sends
    // the request back to the approvers (once: a second approval removes without a second notice).
    let noticeGiven = false;
    for (;;) {
      state.status = 'awaiting_approval';
      inbox.awaitingApproval();
      const decided = await awaitDecision(state, input, { remind: () => inbox.reminded(input.requester), escalate: () => inbox.escalated(input.requester) });
      if (!decided || !state.decision) return await finish('expired', { skus: [], detail: 'no decision before the approval timeout' });
      const decision = state.decision;
      const sealed = decisionText(gate.decisionAudit());
      // The decision's own proof goes with every row that names its maker: the writer verifies it (never this verdict).
      const proofs: AuditClaim = { proof: gate.decisionProof(), requesterProof: input.requester };
      if (decision.kind === 'reject') return await finish('rejected', { actor: decision.by, sealed, skus: [], ...proofs });
      await audit('approved', { actor: decision.by, sealed, skus: state.scope, ...proofs });
      if (noticeGiven || !givesNotice(input.noticeDays, state.dryRun)) break;
      noticeGiven = true;
      // The activity verifies the approval itself, as the removal does: the mail announces that decision.
      const n = await act.sendRemovalNotice({
        tenantId: input.tenantId,
        userId: input.userId,
        skus: state.scope,
        approvedScope: reviewedScope,
        requester: input.requester,
        approval: gate.decisionProof() ?? {},
        noticeDays: input.noticeDays ?? 0,
      });
      if (n.outcome === 'refused') return await finish('aborted', { skus: [], detail: `not_authorised: ${n.problem}` });
      if (n.outcome === 'user_not_found') return await finish('abortedUserNotFound', { detail: 'user_not_found' });
      if (n.outcome === 'not_sent') return await finish('aborted', { skus: [], detail: `notice_not_sent: ${n.detail}` });
      state.status = 'notice_given';
      state.noticeRemovalDate = n.removalDate;
      note('notice_sent', undefined, `the user was told the licences go on ${n.removalDate}`);
      inbox.publish();
      const objected = await condition(() => state.userObjectedAt !== undefined, (input.noticeDays ?? 0) * 86_400_000);
      if (!objected) break;
      inbox.userObjected();
      gate.reopen();
    }
    const decision = state.decision!;
    const proofs: AuditClaim = { proof: gate.decisionProof(), requesterProof: input.requester };

    // Re-check: the facts the approver saw must still hold at the moment of acting, and the warehouse they come
    // from must be readable and fresh; otherwise nothing is removed.
    state.status = 'rechecking';
    inbox.publish();
    const again = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus, baseline: first.activity, recheck: true });
    if (!again.exists) return await finish('abortedUserNotFound', { detail: 'user_not_found' });
    if (again.failClosed) return await finish('aborted', { detail: `${again.failClosed.reason}: ${again.failClosed.detail}` });
    if (again.excludedBy) return await finish('aborted', { detail: `excluded: ${again.excludedBy}` });
    if (again.activeSinceRequest) return await finish('aborted', { detail: `user_active: activity on ${again.activity.lastActivityDate ?? '?'} is newer than at the request` });
    const stillHeld = state.scope.filter((s) => again.direct.some((d) => d.skuId === s));
    if (stillHeld.length === 0) return await finish('aborted', { detail: 'licenses_no_longer_held' });
    if (stillHeld.length < state.scope.length) note('scope_narrowed', undefined, `no longer held: ${state.scope.filter((s) => !stillHeld.includes(s)).join(' ')}`);
    state.scope = stillHeld;
    for (const d of again.direct) if (stillHeld.includes(d.skuId)) state.disabledPlans[d.skuId] = d.disabledPlans;
    state.groupInherited = again.groupInherited;
    const plans = Object.fromEntries(stillHeld.map((s) => [s, state.disabledPlans[s] ?? []]));

    if (state.dryRun) {
      state.removed = stillHeld;
      return await finish('dryRunCompleted', { actor: decision.by, skus: stillHeld, disabledPlans: plans, detail: 'dry run: assignLicense not called', ...proofs });
    }

    state.status = 'removing';
    inbox.publish();
    // The activity verifies the people and the scope itself, from these proofs and its own task's run.
    const r: RemovalResult = await act.removeLicenses({
      tenantId: input.tenantId,
      userId: input.userId,
      skus: stillHeld,
      approvedScope: reviewedScope,
      requester: input.requester,
      approval: gate.decisionProof() ?? {},
    });
    if (r.outcome === 'refused') return await finish('aborted', { skus: [], detail: `not_authorised: ${r.problem}` });
    if (r.outcome === 'user_not_found') return await finish('removalUserNotFound', { skus: stillHeld, detail: 'user_not_found' });
    if (r.outcome === 'needs_group_change') {
      state.groupInherited = r.groupInherited.length ? r.groupInherited : state.groupInherited;
      return await finish('removalNeedsGroupChange', { skus: stillHeld, detail: r.detail ?? groupDetail(state) });
    }
    if (r.outcome === 'failed') return await finish('failed', { skus: stillHeld, detail: r.detail });
    state.removed = r.removed;
    state.receipt = r.receipt;
    if (r.alreadyRemoved) note('already_removed', undefined, 'a retry found the licences already gone');
    return await finish(state.groupInherited.length ? 'removedGroupCopiesRemain' : 'removed', {
      actor: decision.by,
      receipt: r.receipt,
      skus: r.removed,
      disabledPlans: Object.fromEntries(r.removed.map((s) => [s, plans[s] ?? []])),
      detail: state.groupInherited.length ? groupDetail(state) : undefined,
    });
  } catch (err) {
    state.status = 'failed';
    state.detail = rootMessage(err);
    note('failed', undefined, state.detail);
    return cleanupThenRethrow(err, async () => {
      await audit('failed', { detail: state.detail });
      await inbox.ended('failed');
    });
  }
}

/** The entries that end a reclamation: an outcome that becomes its final status (restore entries excluded). */
type FinalEntry = {
  [K in AuditEntry]: (typeof AUDIT)[K]['event'] extends 'restored' | 'restore_failed' | `restore_${string}` ? never : (typeof AUDIT)[K]['outcome'] extends ReclaimStatusName ? K : never;
}[AuditEntry];

function applyInspection(state: ReclaimState, i: UserInspection): void {
  state.scope = i.scope;
  state.groupInherited = i.groupInherited;
  state.notHeld = i.notHeld;
  state.disabledPlans = Object.fromEntries(i.direct.filter((d) => i.scope.includes(d.skuId)).map((d) => [d.skuId, d.disabledPlans]));
  if (i.mailboxSkus.length) state.mailboxWarning = mailboxWarning(i.mailboxSkus);
}
