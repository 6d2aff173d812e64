// The simulator's sendMail: Graph's permission, sender and message checks, 202 with no body, and the outbox a
// test reads; group members (nested groups included) for the approvers' mail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/graph/client';
import { GraphNotFoundError, GraphPermissionError, GraphBadRequestError } from '../../src/graph/errors';
import { TokenProvider } from '../../src/graph/token-provider';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../../src/simulator';

describe('simulator sendMail', () => {
  let sim: SimulatorHandle;
  let graph: GraphClient;
  let tokens: TokenProvider;
  beforeAll(async () => {
    sim = await startSimulator({ users: 50, seed: 5, roles: [...DEFAULT_ROLES, 'Mail.Send'] });
    tokens = new TokenProvider({ tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.authorityHost, caPem: sim.caPem });
    graph = new GraphClient({ graphUrl: sim.graphUrl, tokens, caPem: sim.caPem, maxRetries: 0 });
  });
  afterAll(async () => {
    await graph?.close();
    await tokens?.close();
    await sim?.close();
  });
  const message = (to: string[]) => ({
    message: { subject: 'Hello', body: { contentType: 'HTML', content: '<p>hi</p>' }, toRecipients: to.map((address) => ({ emailAddress: { address } })) },
  });

  it('accepts a message from a mailbox of the tenant and keeps it in the outbox', async () => {
    const sender = sim.state.userAt(1).userPrincipalName;
    await graph.postJson(`/v1.0/users/${sender}/sendMail`, message(['a@example.com', 'b@example.com']));
    expect(sim.state.outbox.at(-1)).toMatchObject({ from: sender, to: ['a@example.com', 'b@example.com'], subject: 'Hello', contentType: 'html', content: '<p>hi</p>' });
  });

  it('refuses an unknown sender, a message without recipients or body, and an app without Mail.Send', async () => {
    const count = sim.state.outbox.length;
    await expect(graph.postJson('/v1.0/users/nobody@nowhere.example/sendMail', message(['a@example.com']))).rejects.toBeInstanceOf(GraphNotFoundError);
    const sender = sim.state.userAt(1).id;
    await expect(graph.postJson(`/v1.0/users/${sender}/sendMail`, message([]))).rejects.toBeInstanceOf(GraphBadRequestError);
    await expect(
      graph.postJson(`/v1.0/users/${sender}/sendMail`, { message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'a@example.com' } }] } }),
    ).rejects.toBeInstanceOf(GraphBadRequestError);
    // A token issued after consent was withdrawn carries no Mail.Send.
    sim.state.roles = [...DEFAULT_ROLES];
    const plain = new TokenProvider({ tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.authorityHost, caPem: sim.caPem });
    const g = new GraphClient({ graphUrl: sim.graphUrl, tokens: plain, caPem: sim.caPem, maxRetries: 0 });
    try {
      await expect(g.postJson(`/v1.0/users/${sender}/sendMail`, message(['a@example.com']))).rejects.toBeInstanceOf(GraphPermissionError);
    } finally {
      await g.close();
      await plain.close();
      sim.state.roles = [...DEFAULT_ROLES, 'Mail.Send'];
    }
    expect(sim.state.outbox.length).toBe(count);
  });

  it('lists the users of a directory group, nested groups included', async () => {
    const r = await graph.getJson<{ value: { id: string }[] }>(`/v1.0/groups/${sim.approversGroupId}/transitiveMembers/microsoft.graph.user?$select=id,mail`);
    expect(r.value.map((u) => u.id).sort()).toEqual(sim.state.directory.admins.slice(1, 4).sort());
  });
});
