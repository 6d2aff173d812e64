// removeLicenses: the idempotent removal of directly assigned licences, after the activity has itself verified
// that real people authorised it (identity/authorisation.ts).
import type { KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { callingRun, NotAuthorisedError, openReceipt, signReceipt, type CallingRun, type ProvenPerson, type Receipt } from '../../identity/authorisation';
import { parseReclaimWorkflowId } from '../../shared/names';
import { scopeHash } from '../../shared/scope-hash';
import { GraphBadRequestError, GraphNotFoundError, redactPersonalData } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import { withActivityGraph } from '../graph-context';
import { lower, readUser, splitLicenses, userPath, type GraphUser } from './graph-user';
import type { LicenseRef, ReclaimDeps, RemovalRequest, RemovalResult } from './types';

type Log = Context['log'];

/** What a removal attempt knows once it is authorised: who, what to take, and any earlier attempt's signed note. */
interface Attempt {
  ctx: Context;
  key: KeyObject;
  base: Pick<Receipt, 'tenantId' | 'userId' | 'workflowId' | 'runId' | 'requesterId' | 'approverId'>;
  skus: string[];
  earlier: LicenseRef[];
  /** The newest signed "removing" note, reported as heartbeat details while the Graph call runs. */
  note: string | undefined;
}

/** A signed note from an earlier attempt of this removal (its heartbeat details), when it is one and for this run. */
function noteOf(text: unknown, key: KeyObject, run: CallingRun): Receipt | undefined {
  try {
    const r = openReceipt(text, key);
    return r.kind === 'removing' && r.workflowId === run.workflowId && r.runId === run.runId ? r : undefined;
  } catch (err) {
    if (err instanceof NotAuthorisedError) return undefined;
    throw err;
  }
}

/** The requester and approver, verified here; throws NotAuthorisedError when this run may not remove these SKUs. */
async function authoriseRemoval(deps: Pick<ReclaimDeps, 'authoriser'>, input: RemovalRequest, run: CallingRun, skus: string[]) {
  const named = parseReclaimWorkflowId(run.workflowId);
  // The workflow id names the tenant and user; the workflow type is the one that gathers the approval.
  if (run.workflowType !== 'reclaimLicenses' || !named || named.tenantId !== input.tenantId || lower(named.userId) !== lower(input.userId))
    throw new NotAuthorisedError('not_this_reclamation');
  const approved = (input.approvedScope ?? []).map(lower);
  if (skus.length === 0 || skus.some((s) => !approved.includes(s))) throw new NotAuthorisedError('outside_approved_scope');
  const hash = scopeHash({ kind: 'remove', tenantId: input.tenantId, userId: input.userId, skus: approved, dryRun: false });
  return deps.authoriser.decision({ tenantId: input.tenantId, run, kind: 'approve', requester: input.requester, decision: input.approval, scopeHash: hash });
}

/** The assignLicense call; undefined when the removal went through (or the licences were gone since the read). */
async function callAssignLicense(graph: GraphClient, input: RemovalRequest, before: GraphUser, held: string[], skus: string[]): Promise<RemovalResult | undefined> {
  try {
    await graph.postJson(`${userPath(input.userId)}/assignLicense`, { addLicenses: [], removeLicenses: held });
  } catch (err) {
    if (err instanceof GraphNotFoundError) return { outcome: 'user_not_found' };
    if (!(err instanceof GraphBadRequestError)) throw err;
    const msg = err.graphMessage ?? err.message;
    if (/inherited from a group/i.test(msg)) {
      const groups = splitLicenses(before)
        .groups.filter((g) => skus.includes(g.skuId))
        .map((g) => ({ skuId: g.skuId, groupIds: g.groupIds }));
      return { outcome: 'needs_group_change', groupInherited: groups, detail: redactPersonalData(msg) };
    }
    // "does not have a corresponding license": gone since the read; the verify below decides.
    if (!/does not have a corresponding license/i.test(msg)) return { outcome: 'failed', detail: redactPersonalData(msg) };
  }
  return undefined;
}

/** Reads, removes what is still held (once), verifies, and signs the receipt of what this reclamation took. */
async function removeOnce(graph: GraphClient, input: RemovalRequest, a: Attempt, log: Log): Promise<RemovalResult> {
  const { skus, key } = a;
  const before = await readUser(graph, input.userId);
  if (!before) return { outcome: 'user_not_found' };
  const heldRefs = splitLicenses(before).direct.filter((d) => skus.includes(d.skuId));
  const held = heldRefs.map((d) => d.skuId);
  const gone = [...heldRefs, ...a.earlier.filter((l) => !held.includes(l.skuId))];
  if (held.length > 0) {
    // Signed before the call, so a retry after a crash knows what this attempt took (and its plans).
    a.note = signReceipt({ ...a.base, kind: 'removing', licenses: gone, at: new Date().toISOString() }, key);
    a.ctx.heartbeat({ receipt: a.note });
    const stopped = await callAssignLicense(graph, input, before, held, skus);
    if (stopped) return stopped;
  } else if (gone.length) {
    log.info('licences in scope already removed (a retry after the change was applied)', { workflowUser: input.userId });
  } else {
    return { outcome: 'failed', detail: 'licences_not_held: none of the approved licences is directly assigned now' };
  }
  const after = await readUser(graph, input.userId);
  if (!after) return { outcome: 'user_not_found' };
  const left = splitLicenses(after)
    .direct.filter((d) => skus.includes(d.skuId))
    .map((d) => d.skuId);
  if (left.length) return { outcome: 'failed', detail: `verify: still assigned after assignLicense: ${left.join(' ')}` };
  const receipt = signReceipt({ ...a.base, kind: 'removed', licenses: gone, at: new Date().toISOString() }, key);
  return { outcome: 'removed', removed: gone.map((l) => l.skuId), alreadyRemoved: held.length === 0, receipt };
}

/**
 * One assignLicense call removing the SKUs still directly assigned, after this activity has itself verified
 * that real people authorised it (identity/authorisation.ts): nothing in its input or in history is taken on
 * trust. Reads first: SKUs already gone count as removed only when an earlier attempt of this same task left a
 * signed note that it was removing them (a retry after a crash), so the removal happens exactly once and the
 * receipt never lists a licence this reclamation did not take.
 */
export function createRemoveLicenses(deps: Pick<ReclaimDeps, 'graphFor' | 'authoriser' | 'approvalKey'>) {
  return async function removeLicenses(input: RemovalRequest): Promise<RemovalResult> {
    const ctx = Context.current();
    const log = ctx.log;
    const run = callingRun();
    const key = deps.approvalKey();
    let who: { requester: ProvenPerson; decider: ProvenPerson };
    const skus = (input.skus ?? []).map(lower);
    try {
      who = await authoriseRemoval(deps, input, run, skus);
    } catch (err) {
      if (!(err instanceof NotAuthorisedError)) throw err;
      log.warn('removal refused: not authorised', { problem: err.problem });
      return { outcome: 'refused', problem: err.problem };
    }
    const base = {
      tenantId: input.tenantId,
      userId: lower(input.userId),
      workflowId: run.workflowId,
      runId: run.runId,
      requesterId: who.requester.objectId,
      approverId: who.decider.objectId,
    };
    const earlierNote = (ctx.info.heartbeatDetails as { receipt?: unknown } | undefined)?.receipt;
    const earlier = noteOf(earlierNote, key, run)?.licenses.filter((l) => skus.includes(l.skuId)) ?? [];
    const attempt: Attempt = { ctx, key, base, skus, earlier, note: typeof earlierNote === 'string' && earlier.length ? earlierNote : undefined };
    return withActivityGraph(
      deps.graphFor,
      input.tenantId,
      (graph) => removeOnce(graph, input, attempt, log),
      () => (attempt.note ? { receipt: attempt.note } : undefined),
    );
  };
}
