// What a notification says. Workflows build these (type-only import), the notify activity delivers them.
// Ids, states and counts only: never a UPN, a display name, a reason text or a secret.

export type NotifyKind =
  | 'reclamation.awaiting_approval'
  | 'reclamation.reminder'
  | 'reclamation.escalated'
  | 'reclamation.user_objected'
  | 'reclamation.executed'
  | 'reclamation.failed'
  | 'daily_run.degraded'
  | 'daily_run.failed';

export interface NotifyMessage {
  kind: NotifyKind;
  tenantId: string;
  workflowId: string;
  /** The Temporal run id: with workflowId and kind it names one event, so a receiver can drop repeats. */
  runId: string;
  /** The reclamation status or the daily run status (`awaiting_approval`, `executed`, `degraded`, …). */
  state: string;
  /** Counts that say how big the event is: SKUs in scope or removed, users loaded, quarantined rows, … */
  counts: Record<string, number>;
  /** When the workflow decided this (workflow time, ISO-8601). */
  at: string;
  /**
   * A message claiming an effect (`reclamation.executed` of a real removal) carries the removal's signed receipt:
   * the notify activity verifies it before anything is sent, and never sends the receipt itself.
   */
  receipt?: string;
}

export interface NotifyResult {
  delivered: boolean;
  /** HTTP status of the accepted delivery. */
  status?: number;
}

/** The JSON body sent: the message plus a stable event id and a format version. */
export function webhookBody(m: NotifyMessage): string {
  const { receipt: _receipt, ...body } = m;
  return JSON.stringify({ version: 1, id: `${m.workflowId}/${m.runId}/${m.kind}`, ...body });
}
