// One running reclamation: its state and `status` query, the approval gate, user response and inbox installed (in
// that order, as every history expects), and how it notes an event, writes an audit row and ends.
import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AuditClaim, SealedAuditText } from '../../activities/warehouse';
import { AUDIT, type AuditEntry } from '../../shared/audit';
import type { ReclamationEvent } from '../../warehouse/index';
import { installApprovalGate, type ApprovalGate } from './approval-gate';
import { reclaimInbox, type ReclaimInbox } from './inbox-and-notifications';
import { reclaimStatusQuery, type ReclaimEvent, type ReclaimInput, type ReclaimState, type ReclaimStatusName } from './messages';
import { quick, warehouseFor } from './proxies';
import { installUserResponse } from './user-notice';

export type AuditExtra = Pick<ReclamationEvent, 'actor' | 'skus' | 'detail' | 'disabledPlans'> & { sealed?: SealedAuditText } & AuditClaim;

/** The entries that end a reclamation: an outcome that becomes its final status (restore entries excluded). */
export type FinalEntry = {
  [K in AuditEntry]: (typeof AUDIT)[K]['event'] extends 'restored' | 'restore_failed' | `restore_${string}`
    ? never
    : (typeof AUDIT)[K]['outcome'] extends ReclaimStatusName
      ? K
      : never;
}[AuditEntry];

export interface ReclamationRun {
  input: ReclaimInput;
  workflowId: string;
  state: ReclaimState;
  gate: ApprovalGate;
  inbox: ReclaimInbox;
  /** Writes one audit row through the warehouse writer; its `ref` names the row. */
  audit(entry: AuditEntry, extra?: AuditExtra): Promise<{ ref: string }>;
  /** Adds an event to the state's timeline. */
  note(kind: ReclaimEvent['kind'], by?: string | null, text?: string | null): void;
  /** Ends the reclamation: its status becomes the entry's outcome, noted and audited. */
  finish(entry: FinalEntry, extra?: AuditExtra): Promise<ReclaimState>;
}

/** A step's result: what the next step needs, or the reclamation's end (already noted and audited). */
export type Step<T> = T | { ended: ReclaimState };

export const now = (): string => new Date().toISOString();

export function startReclamation(input: ReclaimInput): ReclamationRun {
  const { workflowId, runId, taskQueue } = workflowInfo();
  const state = initialState(input, workflowId, runId);
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
  return { input, workflowId, state, gate, inbox, audit, note, finish };
}

function initialState(input: ReclaimInput, workflowId: string, runId: string): ReclaimState {
  return {
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
}
