// The lab mode (M365_APPROVAL_IDENTITY=unverified): decisions carry a name instead of a sign-in. It is off by
// default, says so in `status` and on every audit row, and still refuses the requester's own name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReclamation } from '../../src/cli/reclaim/command';
import { startDailySync } from '../../src/cli/start-daily';
import { parseConfig } from '../../src/config';
import { approveUpdate, reclaimStatusQuery } from '../../src/workflows/reclaim/messages';
import { startPipeline, type PipelineFixture } from '../support/pipeline';
import { connectClient } from '../support/temporal';
import { auditRows, directOnly, userPicker, waitForStatus } from '../support/reclaim-helpers';

const TODAY = new Date().toISOString().slice(0, 10);

describe('approval identity lab mode', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 300, seed: 92, today: TODAY }, env: { M365_APPROVAL_IDENTITY: 'unverified' } });
    client = await connectClient();
    await (await startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: TODAY }, { taskQueue: p.taskQueue })).result();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });

  it('is off unless asked for', () => {
    expect(parseConfig({}).approvalIdentity).toBe('verified');
  });

  it('names stand in for sign-ins; the same name cannot approve; status and every audit row say unverified', async () => {
    const u = userPicker(p.sim)(directOnly);
    const h = await startReclamation(
      client.client,
      { tenantId: p.sim.tenantId, userId: u.id, requester: { by: 'alice' }, approvalTimeout: '10 minutes' },
      { taskQueue: p.taskQueue },
    );
    const s = await waitForStatus(client.client, h.workflowId, (x) => x.status === 'awaiting_approval');
    expect(s.identity).toBe('unverified');
    const send = (by: string) => h.executeUpdate(approveUpdate, { args: [{ by, runId: s.runId, scopeHash: s.scopeHash }] });
    expect(await send(' Alice ')).toMatchObject({ accepted: false, reason: expect.stringMatching(/^self_approval/) });
    expect(await send('bob')).toMatchObject({ accepted: true });
    expect((await h.result()).status).toBe('executed');
    expect((await h.query(reclaimStatusQuery)).identity).toBe('unverified');
    const rows = await auditRows(p.config.dbPath, h.workflowId);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.identity === 'unverified')).toBe(true);
    expect(rows.find((r) => r.event === 'approved')?.actor_upn).toBe('bob');
  });
});
