// Who is asking and who is deciding, checked in the worker (never in workflow code): the sealed ID token is opened
// with the approval key, verified against the tenant's published keys (verify-id-token.ts), and an approver must
// be a member, possibly through nested groups, of the tenant's approvers group at that moment (a settings admin, of
// the settings-admins group). Only the object id, the mode, a short reference and problem codes go back to the
// workflow; the UPN goes back sealed, for the audit. The same check serves the settings writer (activities/settings.ts).
// The verdict is informative (status, the gate's quick refusals): any poller of the queue can answer this task, so
// the activities that act and the audit writer check the proofs again themselves (identity/authorisation.ts).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { AppConfig } from '../../config';
import { approvalSettings, requireVerifiable } from '../../identity/approval-settings';
import { labObjectId, shortRef as ref } from '../../identity/authorisation';
import { IdTokenError, IdTokenVerifier } from '../../identity/verify-id-token';
import { bindingMatches, openProof, type ProofBinding } from '../../identity/proof';
import { open, seal, SealError } from '../../identity/seal';
import type { GraphFactory } from '../graph-context';
import { memberGroups } from './group-membership';

export type IdentityMode = 'verified' | 'unverified';

/** What a person presents: a sealed ID token (`m365-license auth token`); `by` only counts in the unverified lab mode. */
export interface IdentityProof {
  idToken?: string;
  by?: string;
}

/** Who the proof must show: anyone signed in (requester), or a member of the approvers or the settings-admins group. */
export type PersonRole = 'requester' | 'approver' | 'settings_admin';

export type IdentityVerdict =
  /** `approver`: a member of the role's group now (asked for 'approver' and 'settings_admin'; always true in the lab mode). */
  { ok: true; mode: IdentityMode; objectId: string; approver: boolean; tokenRef: string; actorSealed: string } | { ok: false; mode: IdentityMode; problem: string };

export interface VerifyInput {
  tenantId: string;
  proof: IdentityProof;
  role: PersonRole;
  expect?: ProofBinding;
}

/** Where a check reports (an activity's logger and heartbeat; nothing outside one). */
export interface VerifyHooks {
  logError?: (message: string, fields: Record<string, unknown>) => void;
  heartbeat?: () => void;
}

export interface PersonVerifier {
  verify(input: VerifyInput, hooks?: VerifyHooks): Promise<IdentityVerdict>;
  close(): Promise<void>;
}

export function createPersonVerifier(deps: { config: AppConfig; graphFor: GraphFactory; approvalKey: () => KeyObject }): PersonVerifier {
  const verifiers = new Map<string, IdTokenVerifier>();
  const verifierFor = (tenantId: string, role: PersonRole): { verifier: IdTokenVerifier; groupId: string } => {
    const s = requireVerifiable(approvalSettings(deps.config, tenantId));
    let v = verifiers.get(tenantId);
    if (!v) {
      v = new IdTokenVerifier({ authorityHost: s.authorityHost, tenantId, clientId: s.clientId, maxAgeSeconds: s.maxAgeSeconds, ...(s.caPem ? { caPem: s.caPem } : {}) });
      verifiers.set(tenantId, v);
    }
    return { verifier: v, groupId: role === 'settings_admin' ? (s.settingsAdminsGroupId ?? s.approversGroupId) : s.approversGroupId };
  };

  return {
    async close() {
      for (const v of verifiers.values()) await v.close();
      verifiers.clear();
    },
    /**
     * Checks one person's proof. A refusal is a verdict (`ok: false` with a stable problem code), not a failure;
     * unreadable keys or Graph errors throw and are retried.
     */
    async verify(input: VerifyInput, hooks: VerifyHooks = {}): Promise<IdentityVerdict> {
      const mode = deps.config.approvalIdentity;
      const key = deps.approvalKey();
      const sealForAudit = (text: string) => seal(text, createPublicKey(key));
      if (mode === 'unverified' && !input.proof.idToken) {
        const by = typeof input.proof.by === 'string' ? input.proof.by.trim() : '';
        if (!by) return { ok: false, mode, problem: 'no_identity' };
        // A name is all the lab mode has; the object id stands in as a hash of it, so equal names compare equal.
        return { ok: true, mode, objectId: labObjectId(by), approver: true, tokenRef: ref(by), actorSealed: sealForAudit(by) };
      }
      if (!input.proof.idToken) return { ok: false, mode, problem: 'no_token' };
      let raw: string;
      try {
        const opened = openProof(input.proof.idToken, key);
        // A proof counts only for what it was sealed for (proof.ts): a copy from another workflow's history, run,
        // scope or decision is refused before the token is even verified. Unbound proofs are refused too.
        if (!opened.binding) return { ok: false, mode, problem: 'proof_unbound' };
        if (!input.expect || !bindingMatches(opened.binding, input.expect)) return { ok: false, mode, problem: 'proof_bound_elsewhere' };
        raw = opened.idToken;
      } catch (err) {
        if (err instanceof SealError) return { ok: false, mode, problem: `token_${err.problem}` };
        throw err;
      }
      let target: { verifier: IdTokenVerifier; groupId: string };
      try {
        target = verifierFor(input.tenantId, input.role);
      } catch (err) {
        hooks.logError?.('approvals are not configured for the tenant', { tenantId: input.tenantId, error: (err as Error).name });
        return { ok: false, mode, problem: 'approvals_not_configured' };
      }
      let identity;
      try {
        identity = await target.verifier.verify(raw);
      } catch (err) {
        if (err instanceof IdTokenError && err.problem !== 'keys_unavailable') return { ok: false, mode, problem: `token_${err.problem}` };
        throw err;
      }
      let approver = false;
      if (input.role !== 'requester') {
        const graph = deps.graphFor(input.tenantId).client({ onRetry: () => hooks.heartbeat?.() });
        try {
          approver = (await memberGroups(graph, identity.objectId, [target.groupId])).length > 0;
        } finally {
          await graph.close();
        }
      }
      return { ok: true, mode, objectId: identity.objectId, approver, tokenRef: ref(identity.tokenId ?? raw), actorSealed: sealForAudit(identity.upn) };
    },
  };
}

export function createApprovalActivities(deps: { config: AppConfig; graphFor: GraphFactory; approvalKey: () => KeyObject }) {
  const person = createPersonVerifier(deps);
  return {
    /** Checks one person's proof (createPersonVerifier): a refusal is a verdict; unreadable keys or Graph errors are retried. */
    async verifyPerson(input: VerifyInput): Promise<IdentityVerdict> {
      const ctx = Context.current();
      return person.verify(input, { logError: (m, f) => ctx.log.error(m, f), heartbeat: () => ctx.heartbeat() });
    },
  };
}

/** Opens sealed audit text in the warehouse worker; text that is not sealed (or not for this key) is dropped, never stored. */
export function openAuditText(sealed: string | undefined | null, key: KeyObject): string | null {
  if (!sealed) return null;
  try {
    return open(sealed, key);
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    // `other_key`: this worker's M365_APPROVAL_KEY_FILE is not the one the CLI sealed for; every worker needs the same.
    Context.current().log.warn("audit text dropped: it cannot be opened with this worker's approval key", { problem: err.problem });
    return null;
  }
}
