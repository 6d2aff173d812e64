// The user told before the removal: after the approval, when the request asks for notice days, an activity mails
// the user (which licences, which date, why, and an "I still need it" link) and the workflow waits those days. An
// answer arrives as the `userResponse` signal carrying the link's sealed token; Temporal is not a trust boundary,
// so the workflow takes it only after an activity has opened the token and found it sealed by the workers for this
// very run. A verified answer ends the wait early: approvers decide again (reclaim-licenses.ts). An answer outside
// the notice period, a second one, or an unverified one is noted and changes nothing. Giving notice adds commands,
// so it runs only on executions that carry the patch below.
import { defineSignal, patched, setHandler } from '@temporalio/workflow';
import type { ResponseVerdict } from '../../activities/reclaim/user-notice';
import type { ReclaimEvent, ReclaimState } from './messages';

export const NOTICE_PATCH = 'reclaim-user-notice';

/** What the answer page sends: the token from the link, exactly as the user presented it. */
export interface UserResponseInput {
  token: string;
}

export const userResponseSignal = defineSignal<[UserResponseInput]>('userResponse');

const TOKEN = /^m365notice\.v1\.[A-Za-z0-9_.-]{38,4100}$/;

export interface UserNoticeDeps {
  check(token: string): Promise<ResponseVerdict>;
  note(kind: ReclaimEvent['kind'], text?: string): void;
  now(): string;
}

/** Installs the `userResponse` handler; the answer counts only while the notice period runs. */
export function installUserResponse(state: ReclaimState, deps: UserNoticeDeps): void {
  const used = new Set<string>();
  setHandler(userResponseSignal, async (raw: unknown) => {
    const token = (raw as Partial<UserResponseInput> | null)?.token;
    if (typeof token !== 'string' || !TOKEN.test(token)) return deps.note('ignored_user_response', 'malformed: token must be the link from the notice mail');
    if (state.status !== 'notice_given') return deps.note('ignored_user_response', `wrong_state: ${state.status}`);
    let verdict: ResponseVerdict;
    try {
      verdict = await deps.check(token);
    } catch {
      return deps.note('ignored_user_response', 'check_failed');
    }
    if (!verdict.ok) return deps.note('ignored_user_response', verdict.problem);
    if (used.has(verdict.ref)) return deps.note('ignored_user_response', 'link_used');
    // Checked again after the activity: the notice may have ended while it ran.
    if (state.status !== 'notice_given' || state.userObjectedAt) return deps.note('ignored_user_response', `wrong_state: ${state.status}`);
    used.add(verdict.ref);
    state.userObjectedAt = deps.now();
    deps.note('user_objected', 'the user still needs the licences: approvers decide again');
  });
}

/** Whether this reclamation tells the user first: asked for, not a dry run, and on the patched path. */
export const givesNotice = (noticeDays: number | undefined, dryRun: boolean): boolean => typeof noticeDays === 'number' && noticeDays > 0 && !dryRun && patched(NOTICE_PATCH);
