// assignBack: puts back exactly what a removal receipt lists, once the restore's own approval is verified here.
import { Context } from '@temporalio/activity';
import { callingRun, NotAuthorisedError, openReceipt, signReceipt, type CallingRun, type ProvenPerson, type Receipt, type ReceiptLicense } from '../../identity/authorisation';
import { parseReclaimWorkflowId, parseRestoreWorkflowId } from '../../shared/names';
import { scopeHash } from '../../shared/scope-hash';
import { GraphBadRequestError, GraphNotFoundError, redactPersonalData } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import { withActivityGraph } from '../graph-context';
import { lower, readUser, splitLicenses, userPath } from './graph-user';
import type { AssignBackResult, ReclaimDeps, RestoreRequest } from './types';

type Who = { requester: ProvenPerson; decider: ProvenPerson };

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** The removal receipt and who authorised the restore; throws NotAuthorisedError when either does not hold. */
async function authoriseRestore(
  deps: Pick<ReclaimDeps, 'authoriser'>,
  input: RestoreRequest,
  run: CallingRun,
  key: ReturnType<ReclaimDeps['approvalKey']>,
): Promise<{ removal: Receipt; who: Who }> {
  const target = parseRestoreWorkflowId(run.workflowId);
  const named = target ? parseReclaimWorkflowId(target.reclaimWorkflowId) : undefined;
  if (run.workflowType !== 'restoreLicenses' || !target || !named || named.tenantId !== input.tenantId) throw new NotAuthorisedError('not_a_restore');
  const removal = openReceipt(input.receipt, key);
  if (removal.kind !== 'removed' || removal.workflowId !== target.reclaimWorkflowId || removal.tenantId !== named.tenantId || lower(removal.userId) !== lower(named.userId)) {
    throw new NotAuthorisedError('receipt_not_for_this_restore');
  }
  const hash = scopeHash({
    kind: 'restore',
    tenantId: removal.tenantId,
    userId: removal.userId,
    skus: removal.licenses.map((l) => l.skuId),
    dryRun: false,
    sourceRunId: removal.runId,
  });
  const who = await deps.authoriser.decision({ tenantId: input.tenantId, run, kind: 'approve', requester: input.requester, decision: input.approval, scopeHash: hash });
  return { removal, who };
}

/** Assigns what is not back yet and verifies; undefined when every listed licence is back with its plans. */
async function putBack(graph: GraphClient, userId: string, licenses: ReceiptLicense[]): Promise<AssignBackResult | undefined> {
  const before = await readUser(graph, userId);
  if (!before) return { outcome: 'user_not_found' };
  const direct = splitLicenses(before).direct;
  const add = licenses.filter((l) => !direct.some((d) => d.skuId === l.skuId && same(d.disabledPlans, l.disabledPlans)));
  if (add.length) {
    try {
      await graph.postJson(`${userPath(userId)}/assignLicense`, { addLicenses: add, removeLicenses: [] });
    } catch (err) {
      if (err instanceof GraphNotFoundError) return { outcome: 'user_not_found' };
      if (err instanceof GraphBadRequestError) return { outcome: 'failed', detail: redactPersonalData(err.graphMessage ?? err.message) };
      throw err;
    }
  }
  const after = await readUser(graph, userId);
  const now = after ? splitLicenses(after).direct : [];
  const missing = licenses.filter((l) => !now.some((d) => d.skuId === l.skuId && same(d.disabledPlans, l.disabledPlans)));
  if (missing.length) return { outcome: 'failed', detail: `verify: not restored: ${missing.map((m) => m.skuId).join(' ')}` };
  return undefined;
}

/**
 * Assigns back exactly what a removal receipt (signed by a worker, verified here) lists, with its disabled plans,
 * once this activity has verified the restore's own requester and approver; those already back are left alone.
 */
export function createAssignBack(deps: Pick<ReclaimDeps, 'graphFor' | 'authoriser' | 'approvalKey'>) {
  return async function assignBack(input: RestoreRequest): Promise<AssignBackResult> {
    const run = callingRun();
    const key = deps.approvalKey();
    let removal: Receipt;
    let who: Who;
    try {
      ({ removal, who } = await authoriseRestore(deps, input, run, key));
    } catch (err) {
      if (!(err instanceof NotAuthorisedError)) throw err;
      Context.current().log.warn('restore refused: not authorised', { problem: err.problem });
      return { outcome: 'refused', problem: err.problem };
    }
    const userId = removal.userId;
    const licenses = removal.licenses;
    return withActivityGraph(deps.graphFor, input.tenantId, async (graph) => {
      const stopped = await putBack(graph, userId, licenses);
      if (stopped) return stopped;
      const receipt = signReceipt(
        {
          tenantId: removal.tenantId,
          userId,
          workflowId: run.workflowId,
          runId: run.runId,
          kind: 'restored',
          licenses,
          requesterId: who.requester.objectId,
          approverId: who.decider.objectId,
          at: new Date().toISOString(),
          source: { workflowId: removal.workflowId, runId: removal.runId },
        },
        key,
      );
      return { outcome: 'restored', receipt };
    });
  };
}
