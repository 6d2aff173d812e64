// The human decision of a reclamation or a restore, shared by both workflows. A decision names the run and the hash
// of the scope the approver reviewed (shared/scope-hash.ts) and carries the person's sealed ID token; it is taken
// only in `awaiting_approval`. Two ways in: the `approveUpdate`/`rejectUpdate` Workflow Updates (the CLI: a
// validator refuses malformed, stale or late decisions at once, without touching history, and the handler answers
// the identity verdict) and the `approve`/`reject` signals (the plain Temporal CLI: refusals are recorded as
// events). Identity is checked by an activity, never here; requester and approver differ by object id, always.
// That check's verdict is informative: it decides what status shows and which decision the workflow goes on with,
// but every effect and every audit row of a decision is verified again by the activity that makes it.
import { defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';
import type { IdentityMode, IdentityProof, IdentityVerdict } from '../../activities/reclaim/approvals';
import type { ProofBinding } from '../../identity/proof';

/** What `approve`/`reject` carry. Text (comment, reason) is sealed (`m365-license auth seal`), never plain. */
export interface DecisionInput {
  /** Sealed proof (`m365-license auth token ID --for approve|reject`): counts only for this workflow, run, scope and decision. */
  idToken?: string;
  /** Lab mode (M365_APPROVAL_IDENTITY=unverified) only: a name instead of a sign-in. */
  by?: string;
  /** The run the approver reviewed (`reclaim status` shows it). */
  runId: string;
  /** The scope hash `reclaim status` shows. */
  scopeHash: string;
  /** Approve: an optional sealed comment. */
  comment?: string;
  /** Reject: the sealed reason. */
  reason?: string;
}

export type DecisionKind = 'approve' | 'reject';
export type DecisionVerdict = { accepted: true; kind: DecisionKind; approverId: string } | { accepted: false; reason: string };

export const approveSignal = defineSignal<[DecisionInput]>('approve');
export const rejectSignal = defineSignal<[DecisionInput]>('reject');
export const approveUpdate = defineUpdate<DecisionVerdict, [DecisionInput]>('approveUpdate');
export const rejectUpdate = defineUpdate<DecisionVerdict, [DecisionInput]>('rejectUpdate');

export interface GateEvent {
  at: string;
  kind: string;
  /** An object id (or the lab mode's stand-in), never a name. */
  by?: string;
  note?: string;
}

/** The part of a workflow's state the gate reads and writes. */
export interface GateState {
  workflowId: string;
  status: string;
  runId: string;
  scopeHash: string;
  /** The requester's object id, from their verified sign-in. */
  requesterId: string;
  identity: IdentityMode;
  decision?: { kind: DecisionKind; by: string; at: string };
  events: GateEvent[];
}

const SEALED = /^m365sealed\.v1\.[A-Za-z0-9_.-]+$/;
const MAX_TEXT = 32_768;
const FIELDS: Record<DecisionKind, string[]> = {
  approve: ['idToken', 'by', 'runId', 'scopeHash', 'comment'],
  reject: ['idToken', 'by', 'runId', 'scopeHash', 'reason'],
};

/** The schema check (pure, synchronous). Reasons name the field, never echo a value. */
export function checkDecisionPayload(raw: unknown, kind: DecisionKind, identity: IdentityMode): { ok: true; value: DecisionInput } | { ok: false; reason: string } {
  const bad = (why: string) => ({ ok: false as const, reason: `malformed: ${why}` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('the payload must be a JSON object');
  const o = raw as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !FIELDS[kind].includes(k));
  if (extra !== undefined) return bad(extra.length <= 20 && /^\w+$/.test(extra) ? `unknown field "${extra}"` : 'an unknown field');
  const sealedText = (k: string) => o[k] === undefined || (typeof o[k] === 'string' && (o[k] as string).length <= MAX_TEXT && SEALED.test(o[k] as string));
  if (o.idToken !== undefined && !sealedText('idToken')) return bad('idToken must be a sealed token from `m365-license auth token`');
  if (o.by !== undefined && (typeof o.by !== 'string' || o.by.trim() === '' || o.by.length > 200)) return bad('by must be a short text');
  if (identity === 'verified' && o.idToken === undefined) return bad('idToken is required (`m365-license auth token`)');
  if (identity === 'unverified' && o.idToken === undefined && o.by === undefined) return bad('idToken (or, in the lab mode, by) is required');
  if (typeof o.runId !== 'string' || !/^[0-9A-Za-z-]{1,64}$/.test(o.runId)) return bad('runId must be the run id `reclaim status` shows');
  if (typeof o.scopeHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.scopeHash)) return bad('scopeHash must be the 64-hex scope hash `reclaim status` shows');
  if (!sealedText('comment')) return bad('comment must be sealed (`m365-license auth seal`)');
  if (!sealedText('reason')) return bad('reason must be sealed (`m365-license auth seal`)');
  if (kind === 'reject' && o.reason === undefined) return bad('reason is required to reject');
  return { ok: true, value: o as unknown as DecisionInput };
}

/** Whether the decision fits the workflow now: the right state, this run, the scope shown, not decided yet. */
export function boundCheck(state: GateState, v: DecisionInput): string | undefined {
  if (state.decision) return 'already_decided';
  if (state.status !== 'awaiting_approval') return `wrong_state: ${state.status}`;
  if (v.runId !== state.runId) return 'other_run';
  if (v.scopeHash !== state.scopeHash) return 'stale_scope';
  return undefined;
}

export interface GateDeps {
  /** `expect`: what the proof must be sealed for (proof.ts); the activity compares it, the workflow only names it. */
  verify(proof: IdentityProof, expect: ProofBinding): Promise<IdentityVerdict>;
  now(): string;
}

/** Sealed text for the audit row of the decision, kept out of the workflow's state (and so out of its result). */
export interface DecisionAudit {
  actorSealed: string;
  textSealed?: string;
}

/**
 * Installs the four handlers; returns the audit material of the accepted decision once there is one, and its proof
 * as received: the activity that acts and the audit writer verify it again themselves, since the verdict this gate
 * took may have come from any poller of the queue.
 */
export interface ApprovalGate {
  decisionAudit(): DecisionAudit | undefined;
  decisionProof(): IdentityProof | undefined;
  /** Forgets the accepted decision so that approvers decide again (a user said they still need the licences); a used sign-in stays used. */
  reopen(): void;
}

export function installApprovalGate(state: GateState, deps: GateDeps): ApprovalGate {
  const used = new Set<string>();
  let audit: DecisionAudit | undefined;
  let proof: IdentityProof | undefined;
  // One decision at a time: the identity check awaits an activity, and two approvals must not interleave.
  let chain: Promise<unknown> = Promise.resolve();
  const note = (kind: string, by?: string, text?: string): void => {
    state.events.push({ at: deps.now(), kind, ...(by ? { by } : {}), ...(text ? { note: text } : {}) });
  };

  const decide = (kind: DecisionKind, v: DecisionInput): Promise<DecisionVerdict> => {
    const refuse = (reason: string, by?: string): DecisionVerdict => {
      note(`ignored_${kind}`, by, reason);
      return { accepted: false, reason };
    };
    const run = async (): Promise<DecisionVerdict> => {
      const early = boundCheck(state, v);
      if (early) return refuse(early);
      let verdict: IdentityVerdict;
      try {
        verdict = await deps.verify(
          { ...(v.idToken ? { idToken: v.idToken } : {}), ...(v.by ? { by: v.by } : {}) },
          { purpose: kind, workflowId: state.workflowId, runId: state.runId, scopeHash: state.scopeHash },
        );
      } catch {
        // The check itself failed (Graph or the keys unreachable past retries): refused, the request stays open.
        return refuse('identity_check_failed: try again');
      }
      if (!verdict.ok) return refuse(`identity: ${verdict.problem}`);
      const late = boundCheck(state, v);
      if (late) return refuse(late, verdict.objectId);
      if (used.has(verdict.tokenRef)) return refuse('token_reused', verdict.objectId);
      if (kind === 'approve' && verdict.objectId === state.requesterId) return refuse('self_approval: the requester cannot approve their own request', verdict.objectId);
      // A requester may withdraw their own request; anyone else deciding must be an approver.
      if (!verdict.approver && !(kind === 'reject' && verdict.objectId === state.requesterId)) return refuse('not_an_approver', verdict.objectId);
      used.add(verdict.tokenRef);
      state.decision = { kind, by: verdict.objectId, at: deps.now() };
      const text = kind === 'approve' ? v.comment : v.reason;
      audit = { actorSealed: verdict.actorSealed, ...(text ? { textSealed: text } : {}) };
      proof = { ...(v.idToken ? { idToken: v.idToken } : {}), ...(v.by ? { by: v.by } : {}) };
      note(kind === 'approve' ? 'approved' : 'rejected', verdict.objectId);
      return { accepted: true, kind, approverId: verdict.objectId };
    };
    const p = chain.then(run);
    chain = p.catch(() => undefined);
    return p;
  };

  for (const kind of ['approve', 'reject'] as const) {
    setHandler(kind === 'approve' ? approveSignal : rejectSignal, async (raw: unknown) => {
      const c = checkDecisionPayload(raw, kind, state.identity);
      if (!c.ok) return void note(`ignored_${kind}`, undefined, c.reason);
      await decide(kind, c.value);
    });
    setHandler(kind === 'approve' ? approveUpdate : rejectUpdate, (raw: unknown) => decide(kind, raw as DecisionInput), {
      // Synchronous checks only; a rejected update leaves no trace in history and answers the caller at once.
      validator: (raw: unknown) => {
        const c = checkDecisionPayload(raw, kind, state.identity);
        if (!c.ok) throw new Error(c.reason);
        const b = boundCheck(state, c.value);
        if (b) throw new Error(b);
      },
    });
  }
  return {
    decisionAudit: () => audit,
    decisionProof: () => proof,
    reopen() {
      delete state.decision;
      audit = undefined;
      proof = undefined;
    },
  };
}

/** The decision's sealed actor name and comment or reason, in the audit writer's shape. */
export const decisionText = (a: DecisionAudit | undefined): { actorUpn: string; text?: string } | undefined =>
  a ? { actorUpn: a.actorSealed, ...(a.textSealed ? { text: a.textSealed } : {}) } : undefined;
