// Workflow side of notifications: the notify activity is started so that its outcome never holds up a decision.
// An event the workflow keeps running after goes in the background; the last event before the workflow ends is
// awaited (an activity still pending when its workflow closes is abandoned) with its failure only logged.
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MainActivities } from '../activities';
import type { NotifyKind, NotifyMessage } from '../notify/message';

const notifier = proxyActivities<MainActivities>({
  startToCloseTimeout: '30 seconds',
  // A receiver down for longer than this misses the message; the workflow's state and audit still tell it.
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['WebhookRejectedError', 'ConfigError', 'NotAuthorisedError'],
  },
});

export interface NotifyFacts {
  tenantId: string;
  state: string;
  counts?: Record<string, number>;
  /** The effect's signed receipt, for a message that claims one (the activity verifies it). */
  receipt?: string;
}

const messageOf = (kind: NotifyKind, f: NotifyFacts): NotifyMessage => {
  const info = workflowInfo();
  return {
    kind,
    tenantId: f.tenantId,
    workflowId: info.workflowId,
    runId: info.runId,
    state: f.state,
    counts: f.counts ?? {},
    at: new Date().toISOString(),
    ...(f.receipt ? { receipt: f.receipt } : {}),
  };
};

const swallow = (kind: NotifyKind) => (err: unknown) => {
  log.warn('notification not delivered', { kind, error: err instanceof Error ? err.name : 'unknown' });
};

/** Starts the delivery and returns at once: for events after which the workflow keeps waiting (awaiting approval). */
export function notifyInBackground(kind: NotifyKind, facts: NotifyFacts): void {
  void notifier.notify(messageOf(kind, facts)).catch(swallow(kind));
}

/** Delivers and waits, never throwing: call it after the decision is recorded, just before the workflow returns. */
export async function notifyBeforeEnd(kind: NotifyKind, facts: NotifyFacts): Promise<void> {
  await notifier.notify(messageOf(kind, facts)).catch(swallow(kind));
}

/** Mails the approvers or the escalation group that a request waits (the activity skips it when mail is not configured). */
export function mailApproversInBackground(input: Parameters<MainActivities['mailApprovers']>[0]): void {
  void notifier.mailApprovers(input).catch((err: unknown) => {
    log.warn('approver mail not sent', { kind: input.kind, error: err instanceof Error ? err.name : 'unknown' });
  });
}
