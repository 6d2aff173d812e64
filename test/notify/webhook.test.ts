// The notification webhook against a local HTTPS receiver (the simulator's CA, verification on) that checks
// the HMAC signature the way a real receiver would.
import { generateKeyPairSync } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../src/activities/notify';
import { NotAuthorisedError, signReceipt } from '../../src/identity/authorisation';
import type { NotifyMessage } from '../../src/notify/message';
import { verifyWebhookSignature, WebhookRejectedError, WebhookDeliveryError, signWebhook } from '../../src/notify/webhook';
import { startReceiver } from '../support/webhook-receiver';

const SECRET = 'test-webhook-secret';

const message: NotifyMessage = {
  kind: 'reclamation.awaiting_approval',
  tenantId: 'tenant-1',
  workflowId: 'reclaim-tenant-1-00000000-0000-0000-0000-000000000001',
  runId: 'run-1',
  state: 'awaiting_approval',
  counts: { skus: 2 },
  at: '2026-11-27T07:00:00.000Z',
};

describe('notification webhook', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver(SECRET, [503]);
  });
  afterAll(() => receiver.close());

  it('posts a signed JSON message the receiver verifies; a 5xx is a retryable error, a refusal is not', async () => {
    const { notify } = createNotifyActivities({ webhook: { url: receiver.url, secret: SECRET, caPem: receiver.caPem } });
    // First answer 503: Temporal retries WebhookDeliveryError.
    await expect(notify(message)).rejects.toBeInstanceOf(WebhookDeliveryError);
    const ok = await notify(message);
    expect(ok).toEqual({ delivered: true, status: 200 });
    expect(receiver.received.map((r) => r.valid)).toEqual([true, true]);
    const body = JSON.parse(receiver.received[1]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ version: 1, kind: 'reclamation.awaiting_approval', tenantId: 'tenant-1', state: 'awaiting_approval', counts: { skus: 2 } });
    expect(body.id).toBe(`${message.workflowId}/run-1/reclamation.awaiting_approval`);
    expect(receiver.received[1]!.headers['x-m365-event']).toBe('reclamation.awaiting_approval');

    // A wrong secret: the receiver answers 401, which no retry fixes; the message names the origin, not the tokened path.
    const wrong = createNotifyActivities({ webhook: { url: receiver.url, secret: 'other', caPem: receiver.caPem } });
    const err = await wrong.notify(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookRejectedError);
    expect((err as Error).message).toContain('401');
    expect((err as Error).message).not.toContain('token=abc');
    expect(receiver.received.at(-1)!.valid).toBe(false);
  });

  it('an "executed" message goes out only with a removal receipt signed by the workers for the sending run', async () => {
    const workersKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const { notify } = createNotifyActivities({ webhook: { url: receiver.url, secret: SECRET, caPem: receiver.caPem }, approvalKey: () => workersKey });
    const run = { workflowId: message.workflowId, runId: 'run-7' };
    const env = new MockActivityEnvironment({ workflowExecution: run, workflowType: 'reclaimLicenses' });
    const receipt = (key: typeof workersKey, runId: string) =>
      signReceipt(
        {
          kind: 'removed',
          tenantId: 'tenant-1',
          userId: '00000000-0000-0000-0000-000000000001',
          workflowId: run.workflowId,
          runId,
          licenses: [{ skuId: 'a', disabledPlans: [] }],
          requesterId: 'r',
          approverId: 'x',
          at: message.at,
        },
        key,
      );
    const executed = { ...message, kind: 'reclamation.executed' as const, state: 'executed', counts: { skus: 9, removed: 9 } };
    const sent = receiver.received.length;
    for (const forged of [undefined, receipt(otherKey, run.runId), receipt(workersKey, 'another-run')]) {
      const err = await env.run(notify, { ...executed, ...(forged ? { receipt: forged } : {}) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotAuthorisedError);
    }
    expect(receiver.received.length).toBe(sent);
    expect(await env.run(notify, { ...executed, runId: 'claimed-run', receipt: receipt(workersKey, run.runId) })).toMatchObject({ delivered: true });
    const body = JSON.parse(receiver.received.at(-1)!.body) as Record<string, unknown>;
    // The run is the task's own and the count is the receipt's; the receipt itself is not sent.
    expect(body).toMatchObject({ kind: 'reclamation.executed', runId: 'run-7', counts: { skus: 9, removed: 1 } });
    expect(body.receipt).toBeUndefined();
  });

  it('is refused for good without the CA (TLS verification stays on) and does nothing when unconfigured', async () => {
    const untrusted = createNotifyActivities({ webhook: { url: receiver.url, secret: SECRET } });
    const err = await untrusted.notify(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookRejectedError);
    expect((err as Error).message).toContain('M365_CA_FILE');
    expect(await createNotifyActivities({}).notify(message)).toEqual({ delivered: false });
  });

  it('rejects replays: an old timestamp or a body changed after signing fails verification', () => {
    const now = 1_800_000_000;
    const body = '{"a":1}';
    const signature = signWebhook(SECRET, now, body);
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: String(now), signature, nowSeconds: now + 10 })).toBe(true);
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: String(now), signature, nowSeconds: now + 301 })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body: '{"a":2}', timestamp: String(now), signature, nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: String(now + 1), signature, nowSeconds: now })).toBe(false);
  });
});
