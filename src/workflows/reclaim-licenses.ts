// reclaimLicenses: preflight -> inspect -> wait for a human (approve | reject | timeout) -> re-check -> remove
// the directly assigned licences in scope -> verify and audit. restoreLicenses puts back what one removed.
// Only ids, SKU and plan ids, dates, names of the people deciding and short reasons cross into history.
import { ApplicationFailure, condition, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { MainActivities, WarehouseActivities } from '../activities';
import type { RemovalResult, UserInspection } from '../activities/reclaim';
import { WAREHOUSE_TASK_QUEUE } from '../shared/names';
export { restoreWorkflowId } from '../shared/names';
import { NON_RETRYABLE } from './retry';

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
  /** How long to wait for a decision (default 7 days); ends `expired` with nothing removed. */
  approvalTimeout?: Duration;
  /** Refuse an approval by the requester (default true). */
  requireDistinctApprover?: boolean;
  /** The queue of the warehouse writer (default m365-license-warehouse); tests isolate it. */
  warehouseTaskQueue?: string;
}

export interface ApproveSignal {
  by: string;
  comment?: string;
}
export interface RejectSignal {
  by: string;
  reason: string;
}

export type ReclaimStatusName =
  | 'checking'
  | 'awaiting_approval'
  | 'rechecking'
  | 'removing'
  | 'executed'
  | 'dry_run'
  | 'rejected'
  | 'expired'
  | 'aborted'
  | 'needs_group_change'
  | 'user_not_found'
  | 'failed';

export interface ReclaimEvent {
  at: string;
  kind: string;
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

export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rejectSignal = defineSignal<[RejectSignal]>('reject');
export const reclaimStatusQuery = defineQuery<ReclaimState>('status');

export const DEFAULT_APPROVAL_TIMEOUT = '7 days';

const graphRetry = { nonRetryableErrorTypes: NON_RETRYABLE, initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };
const quick = proxyActivities<MainActivities>({ startToCloseTimeout: '2 minutes', retry: { ...graphRetry, maximumAttempts: 5 } });
// One Graph write plus reads; heartbeats (a timer and every in-process retry wait) reveal a dead worker in seconds,
// and the activity is idempotent, so a retry after a crash neither removes twice nor skips the removal.
const act = proxyActivities<MainActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...graphRetry, maximumAttempts: 20 },
});
const warehouseOn = (taskQueue: string | undefined) =>
  proxyActivities<WarehouseActivities>({
    taskQueue: taskQueue ?? WAREHOUSE_TASK_QUEUE,
    startToCloseTimeout: '10 minutes',
    retry: { ...graphRetry, maximumAttempts: 20 },
  });

const now = (): string => new Date().toISOString();
const sameActor = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function reclaimLicenses(input: ReclaimInput): Promise<ReclaimState> {
  const { workflowId } = workflowInfo();
  const state: ReclaimState = {
    workflowId,
    tenantId: input.tenantId,
    userId: input.userId,
    status: 'checking',
    requestedBy: input.requestedBy,
    requestedAt: now(),
    reason: input.reason,
    dryRun: input.dryRun ?? false,
    scope: [],
    groupInherited: [],
    notHeld: [],
    disabledPlans: {},
    removed: [],
    events: [],
  };
  setHandler(reclaimStatusQuery, () => state);
  const warehouse = warehouseOn(input.warehouseTaskQueue);
  const ids = { workflowId, tenantId: input.tenantId, userId: input.userId };
  const audit = (event: string, extra: { actor?: string; reason?: string; skus?: string[]; outcome?: string; detail?: string; disabledPlans?: unknown } = {}) =>
    warehouse.recordReclamation({ ...ids, event, at: now(), ...extra });
  const note = (kind: string, by?: string, text?: string): void => {
    state.events.push({ at: now(), kind, ...(by ? { by } : {}), ...(text ? { note: text } : {}) });
  };

  const requireDistinct = input.requireDistinctApprover ?? true;
  setHandler(approveSignal, (s: ApproveSignal) => {
    const by = String(s?.by ?? '').trim();
    if (!by) return note('ignored_approve', undefined, 'approve without "by"');
    if (state.decision) return note('ignored_approve', by, `already ${state.decision.kind === 'approve' ? 'approved' : 'rejected'}`);
    if (state.status !== 'awaiting_approval' && state.status !== 'checking') return note('ignored_approve', by, `late: ${state.status}`);
    if (requireDistinct && sameActor(by, state.requestedBy)) return note('ignored_approve', by, 'the requester cannot approve their own request');
    state.decision = { kind: 'approve', by, at: now(), ...(s.comment ? { note: s.comment } : {}) };
    note('approved', by, s.comment);
  });
  setHandler(rejectSignal, (s: RejectSignal) => {
    const by = String(s?.by ?? '').trim();
    if (!by) return note('ignored_reject', undefined, 'reject without "by"');
    if (state.decision) return note('ignored_reject', by, `already ${state.decision.kind === 'approve' ? 'approved' : 'rejected'}`);
    if (state.status !== 'awaiting_approval' && state.status !== 'checking') return note('ignored_reject', by, `late: ${state.status}`);
    state.decision = { kind: 'reject', by, at: now(), note: s.reason };
    note('rejected', by, s.reason);
  });

  const finish = async (status: ReclaimStatusName, event: string, extra: Parameters<typeof audit>[1] = {}): Promise<ReclaimState> => {
    state.status = status;
    if (extra.detail) state.detail = extra.detail;
    note(event, extra.actor, extra.detail ?? extra.outcome);
    await audit(event, { outcome: status, ...extra });
    return state;
  };

  try {
    await quick.reclaimPreflight({ tenantId: input.tenantId });
    const first = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus });
    applyInspection(state, first);
    note('requested', input.requestedBy, input.reason);
    await audit('requested', { actor: input.requestedBy, reason: input.reason, skus: state.scope, disabledPlans: state.disabledPlans, detail: groupDetail(state) });
    if (!first.exists) return await finish('user_not_found', 'aborted', { detail: 'user_not_found' });
    if (state.scope.length === 0) {
      if (state.groupInherited.length) return await finish('needs_group_change', 'aborted', { skus: [], detail: groupDetail(state) });
      return await finish('aborted', 'aborted', { detail: 'no_direct_licenses_in_scope' });
    }

    state.status = 'awaiting_approval';
    const decided = await condition(() => state.decision !== undefined, input.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT);
    if (!decided || !state.decision) return await finish('expired', 'expired', { skus: [], detail: 'no decision before the approval timeout' });
    const decision = state.decision;
    if (decision.kind === 'reject') return await finish('rejected', 'rejected', { actor: decision.by, reason: decision.note, skus: [] });
    await audit('approved', { actor: decision.by, reason: decision.note, skus: state.scope });

    // Re-check: the facts the approver saw must still hold at the moment of acting.
    state.status = 'rechecking';
    const again = await quick.inspectUser({ tenantId: input.tenantId, userId: input.userId, skus: input.skus, baseline: first.activity });
    if (!again.exists) return await finish('user_not_found', 'aborted', { detail: 'user_not_found' });
    if (again.excludedBy) return await finish('aborted', 'aborted', { detail: `excluded: ${again.excludedBy}` });
    if (again.activeSinceRequest) return await finish('aborted', 'aborted', { detail: `user_active: activity on ${again.activity.lastActivityDate ?? '?'} is newer than at the request` });
    const stillHeld = state.scope.filter((s) => again.direct.some((d) => d.skuId === s));
    if (stillHeld.length === 0) return await finish('aborted', 'aborted', { detail: 'licenses_no_longer_held' });
    if (stillHeld.length < state.scope.length) note('scope_narrowed', undefined, `no longer held: ${state.scope.filter((s) => !stillHeld.includes(s)).join(' ')}`);
    state.scope = stillHeld;
    for (const d of again.direct) if (stillHeld.includes(d.skuId)) state.disabledPlans[d.skuId] = d.disabledPlans;
    state.groupInherited = again.groupInherited;
    const plans = Object.fromEntries(stillHeld.map((s) => [s, state.disabledPlans[s] ?? []]));

    if (state.dryRun) {
      state.removed = stillHeld;
      return await finish('dry_run', 'executed', { actor: decision.by, skus: stillHeld, disabledPlans: plans, detail: 'dry run: assignLicense not called' });
    }

    state.status = 'removing';
    const r: RemovalResult = await act.removeLicenses({ tenantId: input.tenantId, userId: input.userId, skus: stillHeld });
    if (r.outcome === 'user_not_found') return await finish('user_not_found', 'failed', { skus: stillHeld, detail: 'user_not_found' });
    if (r.outcome === 'needs_group_change') {
      state.groupInherited = r.groupInherited.length ? r.groupInherited : state.groupInherited;
      return await finish('needs_group_change', 'failed', { skus: stillHeld, detail: r.detail ?? groupDetail(state) });
    }
    if (r.outcome === 'failed') return await finish('failed', 'failed', { skus: stillHeld, detail: r.detail });
    state.removed = r.removed;
    if (r.alreadyRemoved) note('already_removed', undefined, 'a retry found the licences already gone');
    const status: ReclaimStatusName = state.groupInherited.length ? 'needs_group_change' : 'executed';
    return await finish(status, 'executed', {
      actor: decision.by,
      skus: r.removed,
      disabledPlans: Object.fromEntries(r.removed.map((s) => [s, plans[s] ?? []])),
      detail: state.groupInherited.length ? groupDetail(state) : undefined,
    });
  } catch (err) {
    state.status = 'failed';
    state.detail = rootMessage(err);
    note('failed', undefined, state.detail);
    await audit('failed', { outcome: 'failed', detail: state.detail });
    throw err;
  }
}

function applyInspection(state: ReclaimState, i: UserInspection): void {
  state.scope = i.scope;
  state.groupInherited = i.groupInherited;
  state.notHeld = i.notHeld;
  state.disabledPlans = Object.fromEntries(i.direct.filter((d) => i.scope.includes(d.skuId)).map((d) => [d.skuId, d.disabledPlans]));
  if (i.mailboxSkus.length) {
    state.mailboxWarning =
      `Removing ${i.mailboxSkus.join(', ')} takes away the user's Exchange Online mailbox licence: the mailbox is disabled and ` +
      'deleted after 30 days unless it is converted to a shared mailbox (or given another licence) first.';
  }
}

const groupDetail = (s: ReclaimState): string | undefined =>
  s.groupInherited.length ? `needs_group_change: ${s.groupInherited.map((g) => `${g.skuId} via group ${g.groupIds.join(', ')}`).join('; ')}` : undefined;

export interface RestoreInput {
  tenantId: string;
  /** The reclaimLicenses workflow whose removal is undone. */
  reclaimWorkflowId: string;
  by: string;
  warehouseTaskQueue?: string;
}

export interface RestoreResult {
  reclaimWorkflowId: string;
  outcome: 'restored' | 'nothing_to_restore' | 'failed' | 'user_not_found';
  skus: string[];
  detail?: string;
}

/** Assigns back exactly the SKUs one reclamation removed, with the disabled plans they had. */
export async function restoreLicenses(input: RestoreInput): Promise<RestoreResult> {
  const warehouse = warehouseOn(input.warehouseTaskQueue);
  await quick.reclaimPreflight({ tenantId: input.tenantId });
  const removal = await quick.readRemoval({ tenantId: input.tenantId, reclaimWorkflowId: input.reclaimWorkflowId });
  if (!removal) return { reclaimWorkflowId: input.reclaimWorkflowId, outcome: 'nothing_to_restore', skus: [] };
  const r = await act.assignBack({ tenantId: input.tenantId, userId: removal.userId, licenses: removal.licenses });
  await warehouse.recordReclamation({
    workflowId: input.reclaimWorkflowId,
    tenantId: input.tenantId,
    userId: removal.userId,
    event: r.outcome === 'restored' ? 'restored' : 'restore_failed',
    actor: input.by,
    at: now(),
    skus: removal.licenses.map((l) => l.skuId),
    outcome: r.outcome,
    detail: r.detail ?? null,
    disabledPlans: Object.fromEntries(removal.licenses.map((l) => [l.skuId, l.disabledPlans])),
  });
  return { reclaimWorkflowId: input.reclaimWorkflowId, outcome: r.outcome, skus: removal.licenses.map((l) => l.skuId), ...(r.detail ? { detail: r.detail } : {}) };
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof ApplicationFailure || e instanceof Error) return e.message;
  return String(e);
}
