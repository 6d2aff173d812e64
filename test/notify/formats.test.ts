// The Teams (Adaptive Card) and Slack (blocks) shapes of a notification: what people read where they work, a link
// to the approver's inbox, and nothing personal; then each posted to a local HTTPS receiver (the simulator's CA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../src/activities/notify';
import { parseConfig } from '../../src/config';
import { formatBody, slackBlocks, teamsCard } from '../../src/notify/formats';
import type { NotifyMessage } from '../../src/notify/message';
import { startReceiver } from '../support/webhook-receiver';

const USER_ID = '5f0c2a4e-1111-4b22-8c33-0d44e55f6a77';
const message: NotifyMessage = {
  kind: 'reclamation.awaiting_approval',
  tenantId: 'tenant-1',
  workflowId: `reclaim-tenant-1-${USER_ID}`,
  runId: 'run-1',
  state: 'awaiting_approval',
  counts: { skus: 2 },
  at: '2026-11-27T07:00:00.000Z',
};
const INBOX = 'https://licences.contoso.example/inbox';

describe('notification formats', () => {
  it('Teams: one Adaptive Card with the headline, the facts and a button to the inbox; no ids of people or runs', () => {
    const card = teamsCard(message, INBOX) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> };
    expect(card.type).toBe('message');
    expect(card.attachments).toHaveLength(1);
    expect(card.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const c = card.attachments[0]!.content as { type: string; version: string; body: Array<Record<string, unknown>>; actions: Array<Record<string, unknown>> };
    expect(c).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(c.body[0]).toMatchObject({ type: 'TextBlock', text: 'A licence reclamation is waiting for an approver' });
    expect(c.body[1]).toMatchObject({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'licences in scope', value: '2' },
        { title: 'state', value: 'awaiting approval' },
      ]),
    });
    expect(c.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the approver\u2019s inbox', url: `${INBOX}/` }]);
    const text = JSON.stringify(card);
    expect(text).not.toContain(USER_ID);
    expect(text).not.toContain('run-1');
  });

  it('Slack: a fallback text, a header, the facts and a button to the inbox; markup in values is escaped', () => {
    const body = slackBlocks({ ...message, kind: 'reclamation.escalated', tenantId: 'a<b>&c' }, INBOX) as { text: string; blocks: Array<Record<string, unknown>> };
    expect(body.text).toMatch(/^Escalated:/);
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions']);
    const fields = (body.blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields).toContain('*tenant*\na&lt;b&gt;&amp;c');
    expect((body.blocks[2] as { elements: Array<{ url: string }> }).elements[0]!.url).toBe(`${INBOX}/`);
    expect(JSON.stringify(body)).not.toContain(USER_ID);
  });

  it('without an inbox URL, or for a daily run, there is no button; json keeps its signed shape', () => {
    expect((teamsCard(message).attachments as Array<{ content: Record<string, unknown> }>)[0]!.content.actions).toBeUndefined();
    expect(slackBlocks({ ...message, kind: 'daily_run.failed', state: 'failed' }, INBOX).blocks).toHaveLength(2);
    expect(JSON.parse(formatBody('json', message, INBOX))).toMatchObject({ version: 1, id: `${message.workflowId}/run-1/reclamation.awaiting_approval` });
  });

  it('configuration: M365_NOTIFY_FORMAT picks the shape; Teams and Slack need no HMAC secret, json does', () => {
    const base = { M365_NOTIFY_WEBHOOK: 'https://example.webhook.office.com/x' };
    expect(parseConfig({ ...base, M365_NOTIFY_FORMAT: 'teams', M365_INBOX_URL: 'https://inbox.example/' })).toMatchObject({
      notifyFormat: 'teams',
      inboxUrl: 'https://inbox.example',
    });
    expect(() => parseConfig(base)).toThrow(/M365_NOTIFY_SECRET is required/);
    expect(() => parseConfig({ ...base, M365_NOTIFY_FORMAT: 'email' })).toThrow(/M365_NOTIFY_FORMAT/);
    expect(() => parseConfig({ ...base, M365_NOTIFY_FORMAT: 'slack', M365_INBOX_URL: 'http://inbox.example' })).toThrow(/M365_INBOX_URL/);
  });

  describe('posted to a local HTTPS receiver', () => {
    const SECRET = 'test-secret';
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      receiver = await startReceiver(SECRET);
    });
    afterAll(() => receiver.close());

    for (const format of ['teams', 'slack'] as const) {
      it(`${format}: delivered as JSON, the body the receiver got is the ${format} shape`, async () => {
        const { notify } = createNotifyActivities({ webhook: { url: receiver.url, secret: SECRET, caPem: receiver.caPem, format, inboxUrl: INBOX } });
        expect(await notify(message)).toEqual({ delivered: true, status: 200 });
        const got = receiver.received.at(-1)!;
        expect(got.valid).toBe(true);
        expect(got.headers['content-type']).toBe('application/json');
        const body = JSON.parse(got.body) as Record<string, unknown>;
        if (format === 'teams') expect(body).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
        else expect(body).toMatchObject({ text: expect.any(String), blocks: expect.any(Array) });
        expect(got.body).not.toContain(USER_ID);
      });
    }
  });
});
