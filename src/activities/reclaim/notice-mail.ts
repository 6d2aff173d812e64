// The words of the mails the reclamation sends: to the user before their licences go (which products, on which
// date, why, and the "I still need it" link), and to approvers when a request waits (a reminder, an escalation).
// Pure: the activities look the names up and send; everything put into HTML is escaped here.

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export interface NoticeMailFacts {
  displayName: string;
  upn: string;
  products: string[];
  removalDate: string;
  /** The newest activity the warehouse knows of (YYYY-MM-DD), null when none. */
  lastActivityDate: string | null;
  /** The answer page link (single-use). */
  link: string;
}

export interface MailContent {
  subject: string;
  html: string;
}

export function noticeMail(f: NoticeMailFacts): MailContent {
  const why = f.lastActivityDate
    ? `Microsoft 365 records no use of these services by your account since ${esc(f.lastActivityDate)}.`
    : 'Microsoft 365 records no use of these services by your account.';
  return {
    subject: `Your Microsoft 365 licences will be removed on ${f.removalDate}`,
    html: [
      `<p>Hello ${esc(f.displayName)},</p>`,
      `<p>On <strong>${esc(f.removalDate)}</strong> these licences will be removed from your account ${esc(f.upn)}:</p>`,
      `<ul>${f.products.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`,
      `<p>Why: ${why} Licences nobody uses are reclaimed so that they can be given to someone who needs them; an approver agreed to this one.</p>`,
      `<p>If you still need them, say so before that date: <a href="${esc(f.link)}">I still need these licences</a>. `,
      'Nothing is removed until an approver has looked at your answer. The link works once and only for you; do not forward it.</p>',
    ].join('\n'),
  };
}

export type ApproverMailKind = 'reminder' | 'escalation';

export function approverMail(kind: ApproverMailKind, f: { waitingSince: string; skuCount: number; inboxUrl?: string }): MailContent {
  const where = f.inboxUrl ? `<a href="${esc(f.inboxUrl)}/">the approver's inbox</a>` : '`m365-license reclaim list --state awaiting_approval`';
  const lead =
    kind === 'reminder'
      ? 'A licence reclamation is still waiting for an approver.'
      : 'A licence reclamation has waited for an approver longer than the escalation delay; you are told as the escalation group.';
  return {
    subject: kind === 'reminder' ? 'Reminder: a licence reclamation waits for your decision' : 'Escalated: a licence reclamation waits for a decision',
    html: [`<p>${lead}</p>`, `<p>Waiting since ${esc(f.waitingSince)} (UTC), ${f.skuCount} licence(s) in scope.</p>`, `<p>Open ${where} to decide.</p>`].join('\n'),
  };
}
