// The shapes a notification takes on the wire: the signed JSON (`json`, the default, for receivers we write), a
// Microsoft Teams incoming webhook's Adaptive Card (`teams`) and a Slack incoming webhook's blocks (`slack`).
// People read the last two where they work, so they say in words what happened and link to the approver's inbox,
// where names are shown to those signed in; the message itself carries no workflow id, user id, name or reason.
import { webhookBody, type NotifyKind, type NotifyMessage } from './message';

export const NOTIFY_FORMATS = ['json', 'teams', 'slack'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

const HEADLINES: Record<NotifyKind, string> = {
  'reclamation.awaiting_approval': 'A licence reclamation is waiting for an approver',
  'reclamation.reminder': 'Reminder: a licence reclamation is still waiting for an approver',
  'reclamation.escalated': 'Escalated: a licence reclamation has waited too long for an approver',
  'reclamation.user_objected': 'A user says they still need the licences a reclamation would remove',
  'reclamation.executed': 'Licences were reclaimed',
  'reclamation.failed': 'A licence reclamation failed',
  'daily_run.degraded': 'The daily licence sync finished with warnings',
  'daily_run.failed': 'The daily licence sync failed',
};

const COUNT_WORDS: Record<string, string> = {
  skus: 'licences in scope',
  removed: 'licences removed',
  users: 'users loaded',
  licenses: 'licences loaded',
  rows: 'rows',
  quarantined: 'rows quarantined',
};

/** The facts a person reads: counts in words, the state, the tenant id (an id, never a name). */
function facts(m: NotifyMessage): Array<{ title: string; value: string }> {
  const counts = Object.entries(m.counts)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => ({ title: COUNT_WORDS[k] ?? k.replace(/_/g, ' '), value: String(v) }));
  return [
    { title: 'state', value: m.state.replace(/_/g, ' ') },
    ...counts,
    { title: 'tenant', value: m.tenantId },
    { title: 'when (UTC)', value: m.at.slice(0, 16).replace('T', ' ') },
  ];
}

const inboxLink = (m: NotifyMessage, inboxUrl: string | undefined): string | undefined =>
  inboxUrl && m.kind.startsWith('reclamation.') ? `${inboxUrl.replace(/\/+$/, '')}/` : undefined;

/** A Teams incoming webhook message: one Adaptive Card (schema 1.4) with the facts and a button to the inbox. */
export function teamsCard(m: NotifyMessage, inboxUrl?: string): Record<string, unknown> {
  const link = inboxLink(m, inboxUrl);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: HEADLINES[m.kind] },
            { type: 'FactSet', facts: facts(m) },
          ],
          ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the approver\u2019s inbox', url: link }] } : {}),
        },
      },
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as markup: escaped as Slack documents. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack incoming webhook message: a fallback text, a header, the facts and a button to the inbox. */
export function slackBlocks(m: NotifyMessage, inboxUrl?: string): Record<string, unknown> {
  const link = inboxLink(m, inboxUrl);
  return {
    text: HEADLINES[m.kind],
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: HEADLINES[m.kind] } },
      { type: 'section', fields: facts(m).map((f) => ({ type: 'mrkdwn', text: `*${slackEscape(f.title)}*\n${slackEscape(f.value)}` })) },
      ...(link ? [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the approver\u2019s inbox' }, url: link }] }] : []),
    ],
  };
}

/** The body sent for `format`. */
export function formatBody(format: NotifyFormat, m: NotifyMessage, inboxUrl?: string): string {
  if (format === 'teams') return JSON.stringify(teamsCard(m, inboxUrl));
  if (format === 'slack') return JSON.stringify(slackBlocks(m, inboxUrl));
  return webhookBody(m);
}
