// POST /users/{sender}/sendMail (application permission Mail.Send): checks the sender and the message as Graph does
// (a recipient, a subject, a body of Text or HTML), answers 202 with no body, and keeps each accepted message in
// the tenant's outbox (`state.outbox`), the mailbox a test reads to see what a person was told.
import { randomUUID } from 'node:crypto';
import type { SimContext } from './context';
import { hasRole, ROLES } from './graph-access';
import { clientRequestId, send, sendGraphError, type Exchange } from './http';

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

type Recipient = { emailAddress?: { address?: unknown } };

function addresses(list: unknown): string[] | undefined {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const r of list as Recipient[]) {
    const a = r?.emailAddress?.address;
    if (typeof a !== 'string' || !ADDRESS.test(a)) return undefined;
    out.push(a);
  }
  return out;
}

export function handleSendMail(ctx: SimContext, ex: Exchange, roles: string[], senderIdOrUpn: string): void {
  if (!hasRole(roles, ROLES.sendMail)) return sendGraphError(ex, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  const i = ctx.state.tenant.resolveUser(senderIdOrUpn);
  if (i < 0) return sendGraphError(ex, 404, 'ErrorInvalidUser', `The requested user '${senderIdOrUpn}' is invalid.`);
  let body: { message?: Record<string, unknown>; saveToSentItems?: unknown };
  try {
    body = JSON.parse(ex.body.toString('utf8')) as typeof body;
  } catch {
    return sendGraphError(ex, 400, 'ErrorInvalidRequest', 'Cannot read the request body.');
  }
  const m = body?.message;
  if (!m || typeof m !== 'object') return sendGraphError(ex, 400, 'ErrorInvalidRequest', "The request body must contain 'message'.");
  const to = addresses(m.toRecipients);
  const cc = addresses(m.ccRecipients);
  const bcc = addresses(m.bccRecipients);
  if (!to || !cc || !bcc) return sendGraphError(ex, 400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
  if (to.length + cc.length + bcc.length === 0) return sendGraphError(ex, 400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., Recipient is missing.');
  const b = m.body as { contentType?: unknown; content?: unknown } | undefined;
  const type = typeof b?.contentType === 'string' ? b.contentType.toLowerCase() : '';
  if (typeof m.subject !== 'string' || (type !== 'text' && type !== 'html') || typeof b?.content !== 'string') {
    return sendGraphError(ex, 400, 'ErrorInvalidRequest', 'The message needs a subject and a body with contentType Text or HTML.');
  }
  const sender = ctx.state.tenant.userAt(i);
  ctx.state.outbox.push({ at: new Date().toISOString(), from: sender.userPrincipalName, to, cc, bcc, subject: m.subject, contentType: type, content: b.content as string });
  send(ex, 202, { 'request-id': randomUUID(), 'client-request-id': clientRequestId(ex.req) }, '');
}
