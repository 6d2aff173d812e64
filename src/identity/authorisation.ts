// Authorisation of effects, checked by the activity that causes the effect and by nobody else's word. Temporal is
// not the trust boundary: whoever reaches it can poll our task queues and answer activities, start workflows and
// write their inputs, so a verdict, a result or an input in history proves nothing. What does: a person's sealed
// proof (their Entra ID token, signature checked against the tenant's published keys, bound to the workflow, run
// and scope it was sealed for) and a receipt signed with a key only the workers hold. The run an activity serves
// comes from its own task (`callingRun`), never from its input. See src/workflows/README.md for the rule.
import { createHash, createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { AppConfig } from '../config';
import type { GraphFactory } from '../activities/graph-context';
import { memberGroups } from '../activities/reclaim/group-membership';
import { approvalSettings, requireVerifiable } from './approval-settings';
import { openProof, type ProofBinding, type ProofPurpose } from './proof';
import { SealError } from './seal';
import { IdTokenError, IdTokenVerifier } from './verify-id-token';

/** An effect or an audit claim was refused: `problem` is a stable code, safe for history and `reclaim status`. */
export class NotAuthorisedError extends Error {
  override name = 'NotAuthorisedError';
  constructor(
    readonly problem: string,
    message?: string,
  ) {
    super(message ?? `not authorised: ${problem}`);
  }
}

/** What a person presents (a sealed proof; `by` only counts when the workers run the unverified lab mode). */
export interface PersonProof {
  idToken?: string;
  by?: string;
}

export interface ProvenPerson {
  objectId: string;
  /** preferred_username (or the lab mode's name): for the audit table only, never for history. */
  upn: string;
  mode: 'verified' | 'unverified';
  /** The token's id, or a hash of the token: one sign-in counts once. */
  tokenRef: string;
}

export interface CallingRun {
  workflowId: string;
  runId: string;
  workflowType: string;
}

/** The workflow run this activity task belongs to, as Temporal's server says (an input could name any run). */
export function callingRun(): CallingRun {
  const info = Context.current().info;
  const run = info.workflowExecution;
  if (!run || !info.workflowType) throw new NotAuthorisedError('no_workflow_run');
  return { workflowId: run.workflowId, runId: run.runId, workflowType: info.workflowType };
}

export const shortRef = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The lab mode's stand-in object id for a name (equal names compare equal). */
export const labObjectId = (by: string): string => `unverified-${shortRef(by.trim().toLowerCase())}`;

const SKEW_SECONDS = 300;

export interface AuthoriserDeps {
  config: AppConfig;
  approvalKey: () => KeyObject;
  /** Needed to check approvers-group membership; without it an approver cannot be proven. */
  graphFor?: GraphFactory;
}

export type Authoriser = ReturnType<typeof createAuthoriser>;

type TenantVerifier = { verifier: IdTokenVerifier; groupId: string };

/** The tenant's token verifier (one per tenant, kept) and approvers group, from the worker's configuration. */
function tenantVerifiers(config: AppConfig): (tenantId: string) => TenantVerifier {
  const verifiers = new Map<string, IdTokenVerifier>();
  return (tenantId) => {
    const s = requireVerifiable(approvalSettings(config, tenantId));
    let v = verifiers.get(tenantId);
    if (!v) {
      v = new IdTokenVerifier({ authorityHost: s.authorityHost, tenantId, clientId: s.clientId, maxAgeSeconds: s.maxAgeSeconds, ...(s.caPem ? { caPem: s.caPem } : {}) });
      verifiers.set(tenantId, v);
    }
    return { verifier: v, groupId: s.approversGroupId };
  };
}

/** The lab mode's person: a bare name, accepted only when the workers run unverified. */
function labPerson(config: AppConfig, proof: PersonProof, who: string): ProvenPerson {
  if (config.approvalIdentity !== 'unverified') throw new NotAuthorisedError(`${who}_no_token`);
  const by = typeof proof.by === 'string' ? proof.by.trim() : '';
  if (!by) throw new NotAuthorisedError(`${who}_no_identity`);
  return { objectId: labObjectId(by), upn: by, mode: 'unverified', tokenRef: shortRef(by) };
}

/** Opens a sealed ID token and checks it was sealed for `expect` (any scope, with `anyScope`); returns the raw token. */
function openBound(sealed: string, key: () => KeyObject, expect: ProofBinding, who: string, anyScope: boolean | undefined): string {
  try {
    const opened = openProof(sealed, key());
    const b = opened.binding;
    if (!b) throw new NotAuthorisedError(`${who}_proof_unbound`);
    const same = b.purpose === expect.purpose && b.workflowId === expect.workflowId && (b.runId ?? '') === (expect.runId ?? '');
    const scopeOk = anyScope ? expect.purpose === 'request' || Boolean(b.scopeHash) : (b.scopeHash ?? '') === (expect.scopeHash ?? '');
    if (!same || !scopeOk) throw new NotAuthorisedError(`${who}_proof_bound_elsewhere`);
    return opened.idToken;
  } catch (err) {
    if (err instanceof SealError) throw new NotAuthorisedError(`${who}_token_${err.problem}`);
    throw err;
  }
}

export function createAuthoriser(deps: AuthoriserDeps) {
  const verifierFor = tenantVerifiers(deps.config);
  const maxAge = () => deps.config.approvalMaxAgeMinutes * 60;

  /** When the run started, by the server's record: sign-ins are judged against it, not against a workflow's word. */
  const runStart = async (run: CallingRun): Promise<number> => {
    const d = await Context.current().client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false }).describe();
    if (d.runId !== run.runId) throw new NotAuthorisedError('run_unknown');
    return Math.floor(d.startTime.getTime() / 1000);
  };

  /**
   * Opens and verifies one person's proof for `expect`. `issuedWithin` replaces the token's own expiry: a request's
   * sign-in must be from around the run's start, a decision's from after it (they are checked long after the
   * token expired, but a sign-in from before the run cannot have been made for it).
   */
  const person = async (
    tenantId: string,
    proof: PersonProof | undefined,
    expect: ProofBinding,
    issuedWithin: { from: number; to: number },
    opts: { anyScope?: boolean } = {},
  ): Promise<ProvenPerson> => {
    const who = expect.purpose === 'request' ? 'requester' : 'decision';
    if (!proof || (!proof.idToken && !proof.by)) throw new NotAuthorisedError(`${who}_no_proof`);
    if (!proof.idToken) return labPerson(deps.config, proof, who);
    const raw = openBound(proof.idToken, deps.approvalKey, expect, who, opts.anyScope);
    let target: TenantVerifier;
    try {
      target = verifierFor(tenantId);
    } catch {
      throw new NotAuthorisedError('approvals_not_configured');
    }
    try {
      const id = await target.verifier.verify(raw, { issuedWithin });
      return { objectId: id.objectId, upn: id.upn, mode: 'verified', tokenRef: shortRef(id.tokenId ?? raw) };
    } catch (err) {
      // Unreachable keys are retried (an outage is not a refusal); every other failed check is a refusal.
      if (err instanceof IdTokenError && err.problem !== 'keys_unavailable') throw new NotAuthorisedError(`${who}_token_${err.problem}`);
      throw err;
    }
  };

  /** Whether the person is in the tenant's approvers group now (nested groups count); always in the lab mode. */
  const isApprover = async (tenantId: string, p: ProvenPerson): Promise<boolean> => {
    if (p.mode === 'unverified') return true;
    if (!deps.graphFor) throw new NotAuthorisedError('approvers_group_unreadable');
    const { groupId } = verifierFor(tenantId);
    const graph = deps.graphFor(tenantId).client({ onRetry: () => Context.current().heartbeat() });
    try {
      return (await memberGroups(graph, p.objectId, [groupId])).length > 0;
    } finally {
      await graph.close();
    }
  };

  /** The requester of `run`, by their sealed proof bound to the calling workflow. */
  const requester = async (tenantId: string, run: CallingRun, proof: PersonProof | undefined, started?: number): Promise<ProvenPerson> => {
    const start = started ?? (await runStart(run));
    return person(tenantId, proof, { purpose: 'request', workflowId: run.workflowId }, { from: start - maxAge() - SKEW_SECONDS, to: start + SKEW_SECONDS });
  };

  return {
    runStart,
    requester,
    /** How this deployment checks people (the workers' configuration, never a workflow's). */
    mode: (): 'verified' | 'unverified' => deps.config.approvalIdentity,

    /**
     * The human decision of `run`, proven: the requester and the decider by their sealed proofs bound to this
     * workflow and run (and to `scopeHash` when given; otherwise to whichever scope the decider signed for), an
     * approval by someone else who is in the approvers group now, a rejection by an approver or the requester.
     */
    async decision(input: {
      tenantId: string;
      run: CallingRun;
      kind: 'approve' | 'reject';
      requester: PersonProof | undefined;
      decision: PersonProof | undefined;
      scopeHash?: string;
    }): Promise<{ requester: ProvenPerson; decider: ProvenPerson }> {
      const start = await runStart(input.run);
      const asker = await requester(input.tenantId, input.run, input.requester, start);
      const purpose: ProofPurpose = input.kind;
      const decider = await person(
        input.tenantId,
        input.decision,
        { purpose, workflowId: input.run.workflowId, runId: input.run.runId, ...(input.scopeHash ? { scopeHash: input.scopeHash } : {}) },
        { from: start - maxAge() - SKEW_SECONDS, to: Math.floor(Date.now() / 1000) + SKEW_SECONDS },
        { anyScope: input.scopeHash === undefined },
      );
      if (input.kind === 'approve' && decider.objectId === asker.objectId) throw new NotAuthorisedError('self_approval');
      const withdrawn = input.kind === 'reject' && decider.objectId === asker.objectId;
      if (!withdrawn && !(await isApprover(input.tenantId, decider))) throw new NotAuthorisedError('not_an_approver');
      return { requester: asker, decider };
    },
  };
}

// Receipts: what an effect did, signed by the activity that did it with an HMAC key derived from the workers'
// approval private key. A restore assigns only what a verified removal receipt lists; an audit row claiming an
// effect needs its receipt. Ids only (no names), so a receipt may sit in history.
export interface ReceiptLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface Receipt {
  v: 1;
  /** `removing`: written (as a heartbeat) before the Graph call, so a retry after a crash knows what went. */
  kind: 'removing' | 'removed' | 'restored';
  tenantId: string;
  userId: string;
  workflowId: string;
  runId: string;
  licenses: ReceiptLicense[];
  requesterId: string;
  approverId: string;
  at: string;
  /** restored: the removal receipt's workflow and run. */
  source?: { workflowId: string; runId: string };
}

const RECEIPT = /^m365receipt\.v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

const receiptKey = (key: KeyObject): Buffer => Buffer.from(hkdfSync('sha256', key.export({ format: 'der', type: 'pkcs8' }), Buffer.alloc(0), 'm365-license receipt v1', 32));

export function signReceipt(body: Omit<Receipt, 'v'>, key: KeyObject): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, ...body })).toString('base64url');
  const mac = createHmac('sha256', receiptKey(key)).update(`m365receipt.v1.${payload}`).digest('base64url');
  return `m365receipt.v1.${payload}.${mac}`;
}

/** The receipt's content when its signature holds; otherwise a NotAuthorisedError (`receipt_missing` / `receipt_invalid`). */
export function openReceipt(text: unknown, key: KeyObject): Receipt {
  if (typeof text !== 'string' || text === '') throw new NotAuthorisedError('receipt_missing');
  const m = RECEIPT.exec(text);
  if (!m) throw new NotAuthorisedError('receipt_invalid');
  const want = createHmac('sha256', receiptKey(key)).update(`m365receipt.v1.${m[1]}`).digest();
  const got = Buffer.from(m[2]!, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new NotAuthorisedError('receipt_invalid');
  const r = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as Receipt;
  if (r.v !== 1 || !Array.isArray(r.licenses)) throw new NotAuthorisedError('receipt_invalid');
  return r;
}

/** Set equality of SKU ids (lower-cased). */
export const sameSkus = (a: readonly string[], b: readonly string[]): boolean => {
  const x = new Set(a.map((s) => s.toLowerCase()));
  const y = new Set(b.map((s) => s.toLowerCase()));
  return x.size === y.size && [...x].every((s) => y.has(s));
};
