// Waiting for a decision: up to the approval timeout, and on the way (when the request asks for it) a reminder to
// the approvers after one delay and a word to the escalation group after another. The timers are the workflow's
// own (durable across restarts, skipped in tests); the reminder and escalation are sent in the background so that
// a slow mail never holds up a decision. Reminders add commands, so executions started before them keep the old
// single wait (patch below); one started without `reminders` never asks for the patch and waits as before.
import { condition, patched } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_APPROVAL_TIMEOUT, type ReclaimInput, type ReclaimState } from './messages';

export const REMINDERS_PATCH = 'reclaim-reminders-and-escalation';

export interface WaitingDeps {
  /** The request still waits after the reminder delay: tell the approvers again. */
  remind(): void;
  /** It still waits after the escalation delay too: tell the escalation group. */
  escalate(): void;
}

const positive = (d: ReclaimInput['approvalTimeout']): number => {
  if (d === undefined) return 0;
  const ms = msToNumber(d);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
};

/** True when a decision arrived before the approval timeout (counted from now); false when it expired. */
export async function awaitDecision(state: ReclaimState, input: ReclaimInput, deps: WaitingDeps): Promise<boolean> {
  const decided = (): boolean => state.decision !== undefined;
  const timeout = input.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT;
  const remindAfter = positive(input.reminders?.remindAfter);
  const escalateAfter = positive(input.reminders?.escalateAfter);
  if ((remindAfter === 0 && escalateAfter === 0) || !patched(REMINDERS_PATCH)) return condition(decided, timeout);

  const until = Date.now() + msToNumber(timeout);
  const steps: Array<[number, () => void]> = [
    [remindAfter, deps.remind],
    [escalateAfter, deps.escalate],
  ];
  for (const [delay, act] of steps) {
    if (delay === 0) continue;
    const wait = Math.min(delay, until - Date.now());
    if (wait <= 0) break;
    if (await condition(decided, wait)) return true;
    // The delay reached the approval timeout itself: the request expires rather than reminding at the last moment.
    if (Date.now() >= until) return decided();
    act();
  }
  const rest = until - Date.now();
  return rest > 0 ? condition(decided, rest) : decided();
}
