// The notify activity: delivers one workflow notification to the configured webhook, or does nothing when
// none is configured. Temporal retries it; workflows never let its outcome hold up a decision.
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config';
import type { NotifyMessage, NotifyResult } from '../notify/message';
import { webhookBody } from '../notify/message';
import { deliverWebhook, type WebhookTarget } from '../notify/webhook';

export function createNotifyActivities(deps: { webhook?: WebhookTarget }) {
  return {
    async notify(message: NotifyMessage): Promise<NotifyResult> {
      if (!deps.webhook) return { delivered: false };
      const status = await deliverWebhook(deps.webhook, message.kind, webhookBody(message));
      return { delivered: true, status };
    },
  };
}

/** The webhook the configuration names, with the extra CA (M365_CA_FILE) it may need; undefined when unset. */
export function webhookTarget(config: AppConfig): WebhookTarget | undefined {
  if (!config.notifyWebhook || !config.notifySecret) return undefined;
  return { url: config.notifyWebhook, secret: config.notifySecret, ...(config.caFile ? { caPem: readFileSync(config.caFile, 'utf8') } : {}) };
}
