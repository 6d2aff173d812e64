// reclaimLicenses: verify the requester -> preflight -> inspect -> wait for an approver (approve | reject | timeout,
// approval-gate.ts; reminders and escalation, waiting.ts) -> with notice days, tell the user and wait, an "I still
// need it" sending it back to the approvers (user-notice.ts) -> re-check (fails closed) -> remove the directly assigned licences in scope -> verify and
// audit. It may wait days for a decision: read the workflows README before changing what it does.
// Only ids, SKU and plan ids, dates, hashes, sealed text and short codes cross into history: names, reasons and
// comments are opened by the audit writer, in the worker.
// Each step below is awaited in turn, so the commands keep the order every recorded history has.
import { condition } from '@temporalio/workflow';
import type { IdentityVerdict } from '../../activities/reclaim/approvals';
import type { RemovalResult, UserInspection } from '../../activities/reclaim/licences';
import type { AuditClaim } from '../../activities/warehouse';
import { scopeHash } from '../../shared/scope-hash';
import { decisionText } from './approval-gate';
import { cleanupThenRethrow, rootMessage } from '../failures';
import { act, quick } from './proxies';
import { startReclamation, type ReclamationRun, type Step } from './reclamation-run';
import { givesNotice } from './user-notice';
import { awaitDecision } from './waiting';
import type { ReclaimInput, ReclaimState } from './messages';
import { groupDetail, mailboxWarning } from './texts';

export async function reclaimLicenses(input: ReclaimInput): Promise<ReclaimState> {
  const run = startReclamation(input);
  try {
    const requested = await request(run);
    if ('ended' in requested) return requested.ended;
    const approved = await awaitApproval(run, requested.reviewedScope);
    if ('ended' in approved) return approved.ended;
    const checked = await recheck(run, requested.first);
    if ('ended' in checked) return checked.ended;
    return await remove(run, requested.reviewedScope, approved, checked);
  } catch (err) {
    const { state } = run;
    state.status = 'failed';
    state.detail = rootMessage(err);
    run.note('failed', undefined, state.detail);
    return cleanupThenRethrow(err, async () => {
      await run.audit('failed', { detail: state.detail });
      await run.inbox.ended('failed');
    });
  }
}

/** The approval the removal acts on: its maker, and the proofs every row naming that maker carries. */
interface Approval {
  by: string;
  proofs: AuditClaim;
}

/** What the approver reviews and is checked again before acting. */
interface Requested {
  first: UserInspection;
  reviewedScope: string[];
}

/** What is still held at the re-check: the licences to remove, with the plans each had disabled. */
interface StillHeld {
  skus: string[];
  plans: Record<string, string[]>;
}

/** Verifies the requester, inspects the user and records the request; ends it when there is nothing to ask about. */
async function request(run: ReclamationRun): Promise<Step<Requested>> {
  const { input, state, finish } = run;
  // Who asks, proven by their sign-in and checked in the worker; the workflow input cannot switch it off.
  const requester: IdentityVerdict = await quick.verifyPerson({
    tenantId: input.tenantId,
    proof: input.requester,
    role: 'requester',
    expect: { purpose: 'request', workflowId: run.workflowId },
  });
  state.identity = requester.mode;
  if (!requester.ok) return { ended: await finish('aborted', { detail: `requester_not_verified: ${requester.problem}` }) };
  state.requesterId = requester.objectId;
  await quick.reclaimPreflight({ tenantId: input.tenantId });
  const first = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus });
  applyInspection(state, first);
  state.scopeHash = scopeHash({ kind: 'remove', tenantId: input.tenantId, userId: input.userId, skus: state.scope, dryRun: state.dryRun });
  const reviewedScope = state.scope;
  run.note('requested', state.requesterId);
  const requested = await run.audit('requested', {
    actor: state.requesterId,
    proof: input.requester,
    sealed: { actorUpn: requester.actorSealed, ...(input.reason ? { text: input.reason } : {}) },
    skus: state.scope,
    disabledPlans: state.disabledPlans,
    detail: groupDetail(state),
  });
  if (input.reason) state.reasonRef = requested.ref;
  if (!first.exists) return { ended: await finish('abortedUserNotFound', { detail: 'user_not_found' }) };
  if (state.scope.length === 0) {
    if (state.groupInherited.length) return { ended: await finish('abortedNeedsGroupChange', { skus: [], detail: groupDetail(state) }) };
    return { ended: await finish('aborted', { detail: 'no_direct_licenses_in_scope' }) };
  }
  return { first, reviewedScope };
}

/**
 * Waits for a decision; with notice days, an approval first tells the user, and their "I still need it" sends the
 * request back to the approvers (once: a second approval removes without a second notice).
 */
async function awaitApproval(run: ReclamationRun, reviewedScope: string[]): Promise<Step<Approval>> {
  const { input, state, gate, inbox, finish } = run;
  let noticeGiven = false;
  for (;;) {
    state.status = 'awaiting_approval';
    inbox.awaitingApproval();
    const decided = await awaitDecision(state, input, { remind: () => inbox.reminded(input.requester), escalate: () => inbox.escalated(input.requester) });
    if (!decided || !state.decision) return { ended: await finish('expired', { skus: [], detail: 'no decision before the approval timeout' }) };
    const decision = state.decision;
    const sealed = decisionText(gate.decisionAudit());
    // The decision's own proof goes with every row that names its maker: the writer verifies it (never this verdict).
    const proofs: AuditClaim = { proof: gate.decisionProof(), requesterProof: input.requester };
    if (decision.kind === 'reject') return { ended: await finish('rejected', { actor: decision.by, sealed, skus: [], ...proofs }) };
    await run.audit('approved', { actor: decision.by, sealed, skus: state.scope, ...proofs });
    if (noticeGiven || !givesNotice(input.noticeDays, state.dryRun)) return approval(run);
    noticeGiven = true;
    const notice = await tellTheUser(run, reviewedScope);
    if ('ended' in notice) return notice;
    if (!notice.objected) return approval(run);
    inbox.userObjected();
    gate.reopen();
  }
}

/** The accepted decision, read once the wait is over. */
function approval(run: ReclamationRun): Approval {
  return { by: run.state.decision!.by, proofs: { proof: run.gate.decisionProof(), requesterProof: run.input.requester } };
}

/** Mails the user the removal date, then waits the notice days for an "I still need it". */
async function tellTheUser(run: ReclamationRun, reviewedScope: string[]): Promise<Step<{ objected: boolean }>> {
  const { input, state, finish } = run;
  // The activity verifies the approval itself, as the removal does: the mail announces that decision.
  const n = await act.sendRemovalNotice({
    tenantId: input.tenantId,
    userId: input.userId,
    skus: state.scope,
    approvedScope: reviewedScope,
    requester: input.requester,
    approval: run.gate.decisionProof() ?? {},
    noticeDays: input.noticeDays ?? 0,
  });
  if (n.outcome === 'refused') return { ended: await finish('aborted', { skus: [], detail: `not_authorised: ${n.problem}` }) };
  if (n.outcome === 'user_not_found') return { ended: await finish('abortedUserNotFound', { detail: 'user_not_found' }) };
  if (n.outcome === 'not_sent') return { ended: await finish('aborted', { skus: [], detail: `notice_not_sent: ${n.detail}` }) };
  state.status = 'notice_given';
  state.noticeRemovalDate = n.removalDate;
  run.note('notice_sent', undefined, `the user was told the licences go on ${n.removalDate}`);
  run.inbox.publish();
  const objected = await condition(() => state.userObjectedAt !== undefined, (input.noticeDays ?? 0) * 86_400_000);
  return { objected };
}

/**
 * Re-check: the facts the approver saw must still hold at the moment of acting, and the warehouse they come from
 * must be readable and fresh; otherwise nothing is removed.
 */
async function recheck(run: ReclamationRun, first: UserInspection): Promise<Step<StillHeld>> {
  const { input, state, finish } = run;
  state.status = 'rechecking';
  run.inbox.publish();
  const again = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus, baseline: first.activity, recheck: true });
  if (!again.exists) return { ended: await finish('abortedUserNotFound', { detail: 'user_not_found' }) };
  if (again.failClosed) return { ended: await finish('aborted', { detail: `${again.failClosed.reason}: ${again.failClosed.detail}` }) };
  if (again.excludedBy) return { ended: await finish('aborted', { detail: `excluded: ${again.excludedBy}` }) };
  if (again.activeSinceRequest)
    return { ended: await finish('aborted', { detail: `user_active: activity on ${again.activity.lastActivityDate ?? '?'} is newer than at the request` }) };
  const stillHeld = state.scope.filter((s) => again.direct.some((d) => d.skuId === s));
  if (stillHeld.length === 0) return { ended: await finish('aborted', { detail: 'licenses_no_longer_held' }) };
  if (stillHeld.length < state.scope.length) run.note('scope_narrowed', undefined, `no longer held: ${state.scope.filter((s) => !stillHeld.includes(s)).join(' ')}`);
  state.scope = stillHeld;
  for (const d of again.direct) if (stillHeld.includes(d.skuId)) state.disabledPlans[d.skuId] = d.disabledPlans;
  state.groupInherited = again.groupInherited;
  return { skus: stillHeld, plans: Object.fromEntries(stillHeld.map((s) => [s, state.disabledPlans[s] ?? []])) };
}

/** Removes what is still held (or, in a dry run, says what would go) and ends with the outcome. */
async function remove(run: ReclamationRun, reviewedScope: string[], approved: Approval, held: StillHeld): Promise<ReclaimState> {
  const { input, state, finish } = run;
  const { skus: stillHeld, plans } = held;
  if (state.dryRun) {
    state.removed = stillHeld;
    return await finish('dryRunCompleted', { actor: approved.by, skus: stillHeld, disabledPlans: plans, detail: 'dry run: assignLicense not called', ...approved.proofs });
  }

  state.status = 'removing';
  run.inbox.publish();
  // The activity verifies the people and the scope itself, from these proofs and its own task's run.
  const r: RemovalResult = await act.removeLicenses({
    tenantId: input.tenantId,
    userId: input.userId,
    skus: stillHeld,
    approvedScope: reviewedScope,
    requester: input.requester,
    approval: run.gate.decisionProof() ?? {},
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
  if (r.alreadyRemoved) run.note('already_removed', undefined, 'a retry found the licences already gone');
  return await finish(state.groupInherited.length ? 'removedGroupCopiesRemain' : 'removed', {
    actor: approved.by,
    receipt: r.receipt,
    skus: r.removed,
    disabledPlans: Object.fromEntries(r.removed.map((s) => [s, plans[s] ?? []])),
    detail: state.groupInherited.length ? groupDetail(state) : undefined,
  });
}

function applyInspection(state: ReclaimState, i: UserInspection): void {
  state.scope = i.scope;
  state.groupInherited = i.groupInherited;
  state.notHeld = i.notHeld;
  state.disabledPlans = Object.fromEntries(i.direct.filter((d) => i.scope.includes(d.skuId)).map((d) => [d.skuId, d.disabledPlans]));
  if (i.mailboxSkus.length) state.mailboxWarning = mailboxWarning(i.mailboxSkus);
}
