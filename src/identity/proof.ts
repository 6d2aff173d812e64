// A sealed proof of identity is bound to what it is for: the sealed plaintext carries the raw ID token together with
// the purpose (request, approve, reject), the workflow id and, for decisions, the run id and scope hash the person
// reviewed. Only the workers can open it, so a proof copied out of one workflow's history cannot be rebound to another
// reclamation, restore, run or scope without the raw ID token; the verifying activity compares the binding with what
// it is checking (activities/reclaim/approvals.ts) and refuses a mismatch as `proof_bound_elsewhere`.
import type { KeyObject } from 'node:crypto';
import { open, seal } from './seal';

export type ProofPurpose = 'request' | 'approve' | 'reject' | 'settings';

export interface ProofBinding {
  purpose: ProofPurpose;
  /** reclaim-… or restore-reclaim-… (a restore's proofs never count for its reclamation, nor the reverse); settings-<tenant> for a settings change. */
  workflowId: string;
  /** Decisions: the run and scope hash `reclaim status` showed (a request is bound before its run exists); a settings change: the hash of the change. */
  runId?: string;
  scopeHash?: string;
}

interface Sealed extends ProofBinding {
  v: 1;
  idToken: string;
}

export function sealProof(idToken: string, binding: ProofBinding, publicKey: KeyObject | string): string {
  const body: Sealed = {
    v: 1,
    idToken,
    purpose: binding.purpose,
    workflowId: binding.workflowId,
    ...(binding.runId ? { runId: binding.runId } : {}),
    ...(binding.scopeHash ? { scopeHash: binding.scopeHash } : {}),
  };
  return seal(JSON.stringify(body), publicKey);
}

/** Opens a proof: the raw ID token and its binding, or `undefined` binding when the plaintext is not a bound proof. */
export function openProof(sealed: string, privateKey: KeyObject): { idToken: string; binding?: ProofBinding } {
  const text = open(sealed, privateKey);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A bare ID token sealed by an older CLI: readable, but bound to nothing, so it is refused by the caller.
    return { idToken: text };
  }
  const o = parsed as Partial<Sealed> | null;
  if (
    !o ||
    typeof o !== 'object' ||
    o.v !== 1 ||
    typeof o.idToken !== 'string' ||
    typeof o.workflowId !== 'string' ||
    !['request', 'approve', 'reject', 'settings'].includes(o.purpose as string)
  ) {
    return { idToken: typeof o?.idToken === 'string' ? o.idToken : text };
  }
  return {
    idToken: o.idToken,
    binding: {
      purpose: o.purpose!,
      workflowId: o.workflowId,
      ...(typeof o.runId === 'string' ? { runId: o.runId } : {}),
      ...(typeof o.scopeHash === 'string' ? { scopeHash: o.scopeHash } : {}),
    },
  };
}

/** Whether a proof's binding is exactly the one expected (a request's has no run or scope; a decision's has both). */
export function bindingMatches(got: ProofBinding, expected: ProofBinding): boolean {
  return (
    got.purpose === expected.purpose &&
    got.workflowId === expected.workflowId &&
    (got.runId ?? '') === (expected.runId ?? '') &&
    (got.scopeHash ?? '') === (expected.scopeHash ?? '')
  );
}
