// A daily run that ends degraded (concealed reports) or failed (a missing permission) notifies the webhook,
// signed, with counts and no personal data; a clean run sends nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDailySync } from '../../../src/cli/start-daily';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { connectClient } from '../../support/temporal';
import { startReceiver, type Receiver } from '../../support/webhook-receiver';
import { daysBefore, todayUtc } from '../../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();
const D = (daysAgo: number): string => daysBefore(TODAY, daysAgo);

const SECRET = 'daily-notify-secret';

describe('daily run notifications', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver(SECRET);
    p = await startPipeline({ sim: { users: 300, seed: 95, today: TODAY }, env: { M365_NOTIFY_WEBHOOK: receiver.url, M365_NOTIFY_SECRET: SECRET } });
    client = await connectClient();
  }, 60_000);
  afterAll(async () => {
    await p?.stop();
    await client?.close();
    await receiver?.close();
  });

  const run = (date: string) => startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate: date }, { taskQueue: p.taskQueue, force: true });

  it('clean: nothing; degraded: daily_run.degraded with counts; failed: daily_run.failed', async () => {
    expect((await (await run(D(2))).result()).status).toBe('succeeded');
    expect(receiver.received).toEqual([]);

    p.sim.state.setConcealed(true);
    try {
      const h = await run(D(1));
      const r = await h.result();
      expect(r.status).toBe('degraded');
      const msg = receiver.received.find((x) => x.kind === 'daily_run.degraded');
      expect(msg?.valid).toBe(true);
      expect(JSON.parse(msg!.body)).toMatchObject({
        kind: 'daily_run.degraded',
        tenantId: p.sim.tenantId,
        workflowId: h.workflowId,
        state: 'degraded',
        counts: { users: r.counts.users, suspiciousRows: r.counts.suspiciousRows },
      });
      expect(msg!.body).not.toMatch(/@/);
    } finally {
      p.sim.state.setConcealed(false);
    }

    p.sim.state.setRoles(['Directory.Read.All']);
    try {
      const h = await run(D(0));
      await expect(h.result()).rejects.toThrow();
      const msg = receiver.received.find((x) => x.kind === 'daily_run.failed');
      expect(msg?.valid).toBe(true);
      expect(JSON.parse(msg!.body)).toMatchObject({ kind: 'daily_run.failed', workflowId: h.workflowId, state: 'failed' });
    } finally {
      p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    }
  }, 180_000);
});
