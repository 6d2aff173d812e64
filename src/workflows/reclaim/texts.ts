// The sentences a reclamation's status shows: what an approver reads before deciding.
import type { ReclaimState } from './messages';

export const mailboxWarning = (mailboxSkus: string[]): string =>
  `Removing ${mailboxSkus.join(', ')} takes away the user's Exchange Online mailbox licence: the mailbox is disabled and ` +
  'deleted after 30 days unless it is converted to a shared mailbox (or given another licence) first.';

/** Which SKUs stay with the user because a group assigns them, and through which groups; undefined when none. */
export const groupDetail = (s: ReclaimState): string | undefined =>
  s.groupInherited.length ? `needs_group_change: ${s.groupInherited.map((g) => `${g.skuId} via group ${g.groupIds.join(', ')}`).join('; ')}` : undefined;
