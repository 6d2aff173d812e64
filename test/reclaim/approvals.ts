// Signed-in people for the reclamation tests: the simulator's admins ([0] requests, [1] [2] approve directly,
// [3] through a nested group), their ID tokens (signed with the tenant's published key) sealed for the workers,
// and decisions bound to the run and scope the status shows.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../src/config';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { seal } from '../../src/identity/seal';
import type { SimulatorHandle } from '../../src/simulator';
import { approveSignal, approveUpdate, reclaimStatusQuery, rejectSignal, rejectUpdate, type DecisionInput, type DecisionVerdict, type ReclaimState, type RestoreState } from '../../src/workflows/reclaim-messages';

export { JWT_IN_TEXT } from '../helpers/history';

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
  /** A fresh sealed sign-in of the person (claims overridable: expired, another audience, ...). */
  token(p: Person, overrides: Record<string, unknown> = {}, signingKeyPem?: string): string {
    return seal(this.sim.idToken(this.id(p), overrides, signingKeyPem), this.publicKey);
  }
  seal(text: string): string {
    return seal(text, this.publicKey);
  }
  requester(): { idToken: string } {
    return { idToken: this.token('requester') };
  }
}

type AnyState = ReclaimState | RestoreState;
const stateOf = (client: Client, id: string) => client.workflow.getHandle(id).query(reclaimStatusQuery) as Promise<AnyState>;

/** The decision payload a person sends after reading `status` (overrides: another run, a stale scope, ...). */
export async function decision(client: Client, people: People, id: string, who: Person, extra: Partial<DecisionInput> = {}): Promise<DecisionInput> {
  const s = await stateOf(client, id);
  return { idToken: people.token(who), runId: s.runId, scopeHash: s.scopeHash, ...extra };
}

export async function approve(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<DecisionVerdict> {
  return client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [await decision(client, people, id, who, extra)] });
}

export async function reject(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<DecisionVerdict> {
  return client.workflow.getHandle(id).executeUpdate(rejectUpdate, { args: [await decision(client, people, id, who, { reason: people.seal('still needed'), ...extra })] });
}

export async function signalApprove(client: Client, people: People, id: string, who: Person = 'approver', extra: Partial<DecisionInput> = {}): Promise<void> {
  await client.workflow.getHandle(id).signal(approveSignal, await decision(client, people, id, who, extra));
}

export async function signalReject(client: Client, people: People, id: string, who: Person = 'approver'): Promise<void> {
  await client.workflow.getHandle(id).signal(rejectSignal, await decision(client, people, id, who, { reason: people.seal('no') }));
}
