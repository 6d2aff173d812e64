// Signed-in people for the reclamation tests: the simulator's admins ([0] requests, [1] [2] approve directly,
// [3] through a nested group), their ID tokens (signed with the tenant's published key) sealed for the workers,
// each proof bound (identity/proof.ts) to what it is for, and decisions bound to the run and scope the status shows.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../src/config';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { sealProof, type ProofBinding, type ProofPurpose } from '../../src/identity/proof';
import { seal } from '../../src/identity/seal';
import { reclaimWorkflowId } from '../../src/shared/names';
import type { SimulatorHandle } from '../../src/simulator';
import {
  approveSignal,
  approveUpdate,
  reclaimStatusQuery,
  rejectSignal,
  rejectUpdate,
  type DecisionInput,
  type DecisionVerdict,
  type ReclaimState,
  type RestoreState,
} from '../../src/workflows/reclaim/messages';

export { JWT_IN_TEXT } from './history';

export type Person = 'requester' | 'approver' | 'approver2' | 'nestedApprover';
const INDEX: Record<Person, number> = { requester: 0, approver: 1, approver2: 2, nestedApprover: 3 };

export class People {
  readonly publicKey: KeyObject;
  constructor(
    readonly sim: SimulatorHandle,
    config: AppConfig,
  ) {
    this.publicKey = createPublicKey(ensureApprovalKey(config));
  }
  id(p: Person): string {
    return this.sim.state.directory.admins[INDEX[p]]!;
  }
  upn(p: Person): string {
    return this.sim.state.userAt(this.sim.state.indexOf(this.id(p))).userPrincipalName;
  }
  /** A fresh sign-in of the person sealed as a proof for `binding` (claims overridable: expired, another audience, ...). */
  token(p: Person, binding: ProofBinding, overrides: Record<string, unknown> = {}, signingKeyPem?: string): string {
    return this.bind(this.sim.idToken(this.id(p), overrides, signingKeyPem), binding);
  }
  /** Any raw ID token sealed as a proof for `binding`. */
  bind(rawIdToken: string, binding: ProofBinding): string {
    return sealProof(rawIdToken, binding, this.publicKey);
  }
  seal(text: string): string {
    return seal(text, this.publicKey);
  }
  /** The requester's proof for starting workflow `workflowId` (a reclamation of the user, or a restore-…). */
  requester(workflowId: string, who: Person = 'requester'): { idToken: string } {
    return { idToken: this.token(who, { purpose: 'request', workflowId }) };
  }
  /** The requester's proof for the reclamation of `userId`. */
  requesterFor(userId: string, who: Person = 'requester'): { idToken: string } {
    return this.requester(reclaimWorkflowId(this.sim.tenantId, userId), who);
  }
}

type AnyState = ReclaimState | RestoreState;
const stateOf = (client: Client, id: string) => client.workflow.getHandle(id).query(reclaimStatusQuery) as Promise<AnyState>;

/** What a decision on `id` now must be sealed for: its run and scope as `status` shows them. */
export async function bindingOf(client: Client, id: string, purpose: ProofPurpose = 'approve'): Promise<ProofBinding> {
  const s = await stateOf(client, id);
  return { purpose, workflowId: id, runId: s.runId, scopeHash: s.scopeHash };
}

/** The decision payload a person sends after reading `status` (overrides: another run, a stale scope, ...). */
export async function decision(
  client: Client,
  people: People,
  id: string,
  who: Person,
  extra: Partial<DecisionInput> = {},
  purpose: ProofPurpose = 'approve',
): Promise<DecisionInput> {
  const b = await bindingOf(client, id, purpose);
  return { idToken: people.token(who, b), runId: b.runId!, scopeHash: b.scopeHash!, ...extra };
}

export async function approve(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<DecisionVerdict> {
  return client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [await decision(client, people, id, who, extra)] });
}

export async function reject(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<DecisionVerdict> {
  return client.workflow
    .getHandle(id)
    .executeUpdate(rejectUpdate, { args: [await decision(client, people, id, who, { reason: people.seal('still needed'), ...extra }, 'reject')] });
}

export async function signalApprove(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<void> {
  await client.workflow.getHandle(id).signal(approveSignal, await decision(client, people, id, who, extra));
}

export async function signalReject(client: Client, people: People, id: string, who: Person = 'approver'): Promise<void> {
  await client.workflow.getHandle(id).signal(rejectSignal, await decision(client, people, id, who, { reason: people.seal('no') }, 'reject'));
}
