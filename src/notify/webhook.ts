// Delivery of one notification to M365_NOTIFY_WEBHOOK: a JSON POST signed with HMAC-SHA256 over
// "<timestamp>.<raw body>" (the timestamp is signed too, so a captured request cannot be replayed later). Teams and
// Slack incoming webhooks authenticate by their secret URL instead; they get the signature too when a secret is set.
// Receivers verify with verifyWebhookSignature; retries are the calling activity's job.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import { classifyNetworkError, createAgent } from '../graph/http';
import type { NotifyFormat } from './formats';

export const SIGNATURE_HEADER = 'x-m365-signature';
export const TIMESTAMP_HEADER = 'x-m365-timestamp';
export const EVENT_HEADER = 'x-m365-event';

/** A receiver refused the message for good (4xx other than 408/429): retrying sends the same refused request. */
export class WebhookRejectedError extends Error {
  override name = 'WebhookRejectedError';
}

/** The receiver was unreachable, slow, throttling or failing (5xx): worth another attempt. */
export class WebhookDeliveryError extends Error {
  override name = 'WebhookDeliveryError';
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when `signature` is ours for this body and timestamp, and the timestamp is within `toleranceSeconds` of now. */
export function verifyWebhookSignature(opts: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const ts = Number(opts.timestamp);
  if (!opts.signature || !Number.isInteger(ts)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const want = Buffer.from(signWebhook(opts.secret, ts, opts.body));
  const got = Buffer.from(opts.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookTarget {
  url: string;
  /** The HMAC key; required for the `json` format (our receivers verify it), optional for Teams and Slack. */
  secret?: string;
  /** The body's shape (notify/formats.ts); default `json`. */
  format?: NotifyFormat;
  /** The base URL of the approver's inbox, linked from Teams and Slack messages. */
  inboxUrl?: string;
  /** Extra CA to trust (M365_CA_FILE); verification is never turned off. */
  caPem?: string;
  timeoutMs?: number;
}

/** The URL without path or query: webhook paths often carry a token, so messages name only the origin. */
const originOf = (url: string): string => new URL(url).origin;

export async function deliverWebhook(target: WebhookTarget, kind: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> {
  const agent = createAgent(target.caPem, { connectTimeoutMs: target.timeoutMs ?? 10_000 });
  try {
    let status: number;
    try {
      const res = await request(target.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'm365-license-pipeline',
          [EVENT_HEADER]: kind,
          [TIMESTAMP_HEADER]: String(nowSeconds),
          ...(target.secret ? { [SIGNATURE_HEADER]: signWebhook(target.secret, nowSeconds, body) } : {}),
        },
        body,
        headersTimeout: target.timeoutMs ?? 10_000,
        bodyTimeout: target.timeoutMs ?? 10_000,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      const failure = classifyNetworkError(err);
      if (failure.kind === 'tls') {
        throw new WebhookRejectedError(
          `The notification webhook at ${originOf(target.url)} presented a certificate this machine does not trust (${failure.code}): give its CA in M365_CA_FILE.`,
          { cause: err },
        );
      }
      throw new WebhookDeliveryError(`The notification webhook at ${originOf(target.url)} did not answer (${(err as Error).name}); it is retried.`, { cause: err });
    }
    if (status >= 200 && status < 300) return status;
    if (status === 408 || status === 429 || status >= 500) {
      throw new WebhookDeliveryError(`The notification webhook at ${originOf(target.url)} answered ${status}; it is retried.`);
    }
    throw new WebhookRejectedError(
      `The notification webhook at ${originOf(target.url)} refused the message with ${status}: check M365_NOTIFY_WEBHOOK and that the receiver uses the same M365_NOTIFY_SECRET.`,
    );
  } finally {
    await agent.close();
  }
}
