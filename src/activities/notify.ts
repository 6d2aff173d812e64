// The notify activity: delivers one workflow notification to the configured webhook, or does nothing when
// none is configured. Temporal retries it; workflows never let its outcome hold up a decision.
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config';
import { callingRun, NotAuthorisedError, openReceipt } from '../identity/authorisation';
import type { NotifyMessage, NotifyResult } from '../notify/message';
import { formatBody } from '../notify/formats';
import { deliverWebhook, type WebhookTarget } from '../notify/webhook';

export function createNotifyActivities(deps: { webhook?: WebhookTarget; approvalKey?: () => KeyObject }) {
  return {
    async notify(input: NotifyMessage): Promise<NotifyResult> {
      if (!deps.webhook) return { delivered: false };
      const message: NotifyMessage = { ...input };
      // A message about an effect is sent only with that effect's receipt, verified for this task's own run.
      if (message.kind === 'reclamation.executed' && message.state !== 'dry_run') {
        const run = callingRun();
        if (!deps.approvalKey) throw new NotAuthorisedError('cannot_verify');
        Object.assign(message, { workflowId: run.workflowId, runId: run.runId });
        const r = openReceipt(message.receipt, deps.approvalKey());
        if (r.kind !== 'removed' || r.workflowId !== run.workflowId || r.runId !== run.runId) throw new NotAuthorisedError('receipt_not_for_this_run');
        message.counts = { ...message.counts, removed: r.licenses.length };
      }
      const status = await deliverWebhook(deps.webhook, message.kind, formatBody(deps.webhook.format ?? 'json', message, deps.webhook.inboxUrl));
      return { delivered: true, status };
    },
  };
}

/** The webhook the configuration names, with the extra CA (M365_CA_FILE) it may need; undefined when unset. */
export function webhookTarget(config: AppConfig): WebhookTarget | undefined {
  if (!config.notifyWebhook || (!config.notifySecret && config.notifyFormat === 'json')) return undefined;
  return {
    url: config.notifyWebhook,
    format: config.notifyFormat,
    ...(config.notifySecret ? { secret: config.notifySecret } : {}),
    ...(config.inboxUrl ? { inboxUrl: config.inboxUrl } : {}),
    ...(config.caFile ? { caPem: readFileSync(config.caFile, 'utf8') } : {}),
  };
}
