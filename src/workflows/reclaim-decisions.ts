// Who may decide a reclamation, and when: the approve / reject signal handlers. A decision that breaks a rule
// is not an error (the sender may be a script retrying): it is ignored and noted in the status timeline.
import { setHandler } from '@temporalio/workflow';
import { approveSignal, rejectSignal, type ApproveSignal, type ReclaimEvent, type RejectSignal, type ReclaimState } from './reclaim-messages';
import { alreadyDecided } from './reclaim-texts';

type Note = (kind: ReclaimEvent['kind'], by?: string, text?: string) => void;

const sameActor = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
const open = (s: ReclaimState): boolean => s.status === 'awaiting_approval' || s.status === 'checking';

/** Installs the handlers; the first valid decision lands in `state.decision`. */
export function acceptDecisions(state: ReclaimState, opts: { requireDistinctApprover: boolean; note: Note; now: () => string }): void {
  const { note, now } = opts;
  setHandler(approveSignal, (s: ApproveSignal) => {
    const by = String(s?.by ?? '').trim();
    if (!by) return note('ignored_approve', undefined, 'approve without "by"');
    if (state.decision) return note('ignored_approve', by, alreadyDecided(state.decision.kind));
    if (!open(state)) return note('ignored_approve', by, `late: ${state.status}`);
    if (opts.requireDistinctApprover && sameActor(by, state.requestedBy)) return note('ignored_approve', by, 'the requester cannot approve their own request');
    state.decision = { kind: 'approve', by, at: now(), ...(s.comment ? { note: s.comment } : {}) };
    note('approved', by, s.comment);
  });
  setHandler(rejectSignal, (s: RejectSignal) => {
    const by = String(s?.by ?? '').trim();
    if (!by) return note('ignored_reject', undefined, 'reject without "by"');
    if (state.decision) return note('ignored_reject', by, alreadyDecided(state.decision.kind));
    if (!open(state)) return note('ignored_reject', by, `late: ${state.status}`);
    state.decision = { kind: 'reject', by, at: now(), note: s.reason };
    note('rejected', by, s.reason);
  });
}
