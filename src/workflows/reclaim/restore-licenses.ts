// restoreLicenses: assigns back exactly the SKUs one reclamation removed, with the disabled plans they had, as that
// reclamation's result in Temporal records them (pinned to its run id; never the warehouse). It takes the same
// authenticated approval as a removal: a verified requester, then another person from the approvers group,
// bound to this run and the scope shown. Audited on the reclamation's own trail.
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { AUDIT, type AuditEntry } from '../../shared/audit';
import { scopeHash } from '../../shared/scope-hash';
import { parseReclaimWorkflowId } from '../../shared/names';
import type { AuditClaim, SealedAuditText } from '../../activities/warehouse';
import { decisionText, installApprovalGate } from './approval-gate';
import { cleanupThenRethrow, rootMessage } from '../failures';
import { act, quick, warehouseFor } from './proxies';
import { DEFAULT_APPROVAL_TIMEOUT, restoreStatusQuery, type RestoreInput, type RestoreResult, type RestoreState, type RestoreStatusName } from './messages';

const now = (): string => new Date().toISOString();

/** A restore before its requester is checked: the reclamation it undoes, nothing yet to give back. */
function initialState(input: RestoreInput, workflowId: string, runId: string): RestoreState {
  return {
    workflowId,
    runId,
    tenantId: input.tenantId,
    reclaimWorkflowId: input.reclaimWorkflowId,
    userId: parseReclaimWorkflowId(input.reclaimWorkflowId)?.userId ?? '',
    status: 'checking',
    requesterId: '',
    requestedAt: now(),
    identity: 'verified',
    scopeHash: '',
    licenses: [],
    events: [],
  };
}

export async function restoreLicenses(input: RestoreInput): Promise<RestoreResult> {
  const { workflowId, runId, taskQueue } = workflowInfo();
  const state = initialState(input, workflowId, runId);
  setHandler(restoreStatusQuery, () => state);
  const warehouse = warehouseFor(taskQueue);
  type Extra = { actor?: string; sealed?: SealedAuditText } & AuditClaim;
  const audit = (entry: AuditEntry, extra: Extra & { detail?: string | null } = {}) =>
    warehouse.recordReclamation({
      workflowId: input.reclaimWorkflowId,
      runId,
      tenantId: input.tenantId,
      userId: state.userId,
      identity: state.identity,
      ...AUDIT[entry],
      at: now(),
      skus: state.licenses.map((l) => l.skuId),
      disabledPlans: Object.fromEntries(state.licenses.map((l) => [l.skuId, l.disabledPlans])),
      ...extra,
    });
  const gate = installApprovalGate(state, { verify: (proof, expect) => quick.verifyPerson({ tenantId: input.tenantId, proof, role: 'approver', expect }), now });
  const end = async (status: RestoreStatusName, detail?: string, entry?: AuditEntry, extra: Extra = {}): Promise<RestoreResult> => {
    state.status = status;
    if (detail) state.detail = detail;
    state.events.push({ at: now(), kind: entry ? AUDIT[entry].event : 'aborted', ...(detail ? { note: detail } : {}) });
    if (entry) await audit(entry, { ...extra, detail: detail ?? null });
    await condition(allHandlersFinished);
    return { reclaimWorkflowId: input.reclaimWorkflowId, outcome: status, skus: state.licenses.map((l) => l.skuId), ...(detail ? { detail } : {}) };
  };

  try {
    if (!state.userId) return await end('aborted', 'not_a_reclamation');
    const requester = await quick.verifyPerson({ tenantId: input.tenantId, proof: input.requester, role: 'requester', expect: { purpose: 'request', workflowId } });
    state.identity = requester.mode;
    if (!requester.ok) return await end('aborted', `requester_not_verified: ${requester.problem}`);
    state.requesterId = requester.objectId;
    await quick.reclaimPreflight({ tenantId: input.tenantId });
    const outcome = await quick.readReclaimOutcome({
      tenantId: input.tenantId,
      reclaimWorkflowId: input.reclaimWorkflowId,
      ...(input.reclaimRunId ? { runId: input.reclaimRunId } : {}),
    });
    if (!outcome.ok) return await end('nothing_to_restore', outcome.problem);
    state.sourceRunId = outcome.runId;
    state.licenses = outcome.licenses;
    state.scopeHash = scopeHash({
      kind: 'restore',
      tenantId: input.tenantId,
      userId: state.userId,
      skus: state.licenses.map((l) => l.skuId),
      dryRun: false,
      sourceRunId: outcome.runId,
    });
    state.events.push({ at: now(), kind: 'restore_requested', by: state.requesterId });
    const requested = await audit('restoreRequested', {
      actor: state.requesterId,
      proof: input.requester,
      sealed: { actorUpn: requester.actorSealed, ...(input.reason ? { text: input.reason } : {}) },
    });
    if (input.reason) state.reasonRef = requested.ref;

    state.status = 'awaiting_approval';
    const decided = await condition(() => state.decision !== undefined, input.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT);
    if (!decided || !state.decision) return await end('expired', 'no decision before the approval timeout', 'restoreExpired');
    const decision = state.decision;
    const sealed = decisionText(gate.decisionAudit());
    const proofs: AuditClaim = { proof: gate.decisionProof(), requesterProof: input.requester };
    if (decision.kind === 'reject') return await end('rejected', undefined, 'restoreRejected', { actor: decision.by, ...(sealed ? { sealed } : {}), ...proofs });
    await audit('restoreApproved', { actor: decision.by, ...(sealed ? { sealed } : {}), ...proofs });

    state.status = 'restoring';
    // Only what the removal's signed receipt lists comes back, after the activity has verified both people itself.
    const r = await act.assignBack({ tenantId: input.tenantId, receipt: outcome.receipt, requester: input.requester, approval: gate.decisionProof() ?? {} });
    if (r.outcome === 'refused') return await end('aborted', `not_authorised: ${r.problem}`, 'restoreFailed');
    if (r.outcome === 'restored') return await end('restored', undefined, 'restored', { actor: decision.by, receipt: r.receipt });
    return await end(r.outcome, r.detail, r.outcome === 'user_not_found' ? 'restoreUserNotFound' : 'restoreFailed', { actor: decision.by, ...proofs });
  } catch (err) {
    state.status = 'failed';
    state.detail = rootMessage(err);
    return cleanupThenRethrow(err, () => audit('restoreFailed', { detail: state.detail }));
  }
}
