// The user told before the removal, and approvers reminded: mail through Graph sendMail from the configured sender
// mailbox, and the check of a user's "I still need it" answer. Mail is an effect outside the project, so each
// activity verifies by itself who authorised it (identity/authorisation.ts): the notice carries the approval, so
// it checks the requester's and approver's sealed proofs exactly as the removal does; an approver mail checks that
// a real person requested the reclamation. Names and addresses are looked up here and never leave the activity.
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { AppConfig } from '../../config';
import { GraphNotFoundError } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import { approvalSettings } from '../../identity/approval-settings';
import { callingRun, NotAuthorisedError, shortRef, type Authoriser, type CallingRun, type PersonProof } from '../../identity/authorisation';
import { noticeKeyFrom, NoticeTokenError, openNoticeToken, sealNoticeToken, USER_RESPONSE_PREFIX } from '../../identity/notice-token';
import { parseReclaimWorkflowId } from '../../shared/names';
import { scopeHash } from '../../shared/scope-hash';
import { addDays, todayUtc } from '../../shared/snapshot-date';
import { openReadOnly } from '../../warehouse';
import { withActivityGraph, type GraphFactory } from '../graph-context';
import type { RemovalRequest } from './types';
import { approverMail, noticeMail, type ApproverMailKind, type MailContent } from './notice-mail';

/** The removal's own request (the notice is authorised by exactly what authorises the removal), plus the delay. */
export interface NoticeRequest extends RemovalRequest {
  noticeDays: number;
}

export type NoticeResult =
  | { outcome: 'sent'; removalDate: string }
  /** Mail cannot be sent (no sender, no answer page URL, no address): the user cannot be told, so nothing goes. */
  | { outcome: 'not_sent'; detail: string }
  | { outcome: 'user_not_found' }
  | { outcome: 'refused'; problem: string };

export type ResponseVerdict = { ok: true; ref: string; removalDate: string } | { ok: false; problem: string };

export type ApproverMailResult = { sent: number } | { sent: 0; skipped: string } | { refused: string };

interface DirectoryUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}

const lower = (s: string): string => s.toLowerCase();

const sendMail = (graph: GraphClient, sender: string, to: string[], m: MailContent) =>
  graph.postJson(`/v1.0/users/${encodeURIComponent(sender)}/sendMail`, {
    message: { subject: m.subject, body: { contentType: 'HTML', content: m.html }, toRecipients: to.map((address) => ({ emailAddress: { address } })) },
    saveToSentItems: false,
  });

/** Product names for SKU ids: Microsoft's licensing reference in the published warehouse, else the part number. */
async function productNames(dbPath: string, graph: GraphClient, skus: string[]): Promise<string[]> {
  const part = new Map(
    (await graph.getJson<{ value: { skuId: string; skuPartNumber?: string }[] }>('/v1.0/subscribedSkus')).value.map((s) => [lower(s.skuId), s.skuPartNumber ?? s.skuId]),
  );
  const named = new Map<string, string>();
  if (existsSync(dbPath)) {
    const db = await openReadOnly(dbPath);
    try {
      for (const r of (await db.query('SELECT sku_id, product_name FROM sku_reference WHERE list_contains($1::JSON::VARCHAR[], sku_id)', [JSON.stringify(skus)])).rows) {
        if (r.product_name) named.set(String(r.sku_id), String(r.product_name));
      }
    } finally {
      db.close();
    }
  }
  return skus.map((s) => named.get(s) ?? part.get(s) ?? s);
}

/** The user's last activity in the published warehouse (null without one), quoted in the notice. */
async function lastActivity(dbPath: string, tenantId: string, userId: string): Promise<string | null> {
  if (!existsSync(dbPath)) return null;
  const db = await openReadOnly(dbPath);
  try {
    const r = await db.query('SELECT last_activity_date::VARCHAR AS last FROM user_last_activity WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
    return (r.rows[0]?.last as string | null | undefined) ?? null;
  } finally {
    db.close();
  }
}

/** The notice is authorised exactly as the removal: this reclamation, inside the approved scope, a proven approval. */
async function authoriseNotice(authoriser: Authoriser, run: CallingRun, input: NoticeRequest, skus: string[]): Promise<void> {
  const named = parseReclaimWorkflowId(run.workflowId);
  if (run.workflowType !== 'reclaimLicenses' || !named || named.tenantId !== input.tenantId || lower(named.userId) !== lower(input.userId))
    throw new NotAuthorisedError('not_this_reclamation');
  const approved = (input.approvedScope ?? []).map(lower);
  if (skus.length === 0 || skus.some((s) => !approved.includes(s))) throw new NotAuthorisedError('outside_approved_scope');
  const hash = scopeHash({ kind: 'remove', tenantId: input.tenantId, userId: input.userId, skus: approved, dryRun: false });
  await authoriser.decision({ tenantId: input.tenantId, run, kind: 'approve', requester: input.requester, decision: input.approval, scopeHash: hash });
}

/** The user the notice goes to, by object id; null when the directory no longer has them. */
async function noticeRecipient(graph: GraphClient, userId: string): Promise<DirectoryUser | null> {
  try {
    return await graph.getJson<DirectoryUser>(`/v1.0/users/${encodeURIComponent(userId)}?$select=id,displayName,mail,userPrincipalName`);
  } catch (err) {
    if (err instanceof GraphNotFoundError) return null;
    throw err;
  }
}

export function createUserNoticeActivities(deps: { config: AppConfig; graphFor: GraphFactory; dbPath: string; authoriser: Authoriser; approvalKey: () => KeyObject }) {
  const noticeKey = () => noticeKeyFrom(deps.approvalKey());

  return {
    /**
     * Tells the user which licences go on which date and why, with a sealed single-use "I still need it" link.
     * Verifies the approval itself first, as the removal does: the mail announces a decision.
     */
    async sendRemovalNotice(input: NoticeRequest): Promise<NoticeResult> {
      const run = callingRun();
      const skus = (input.skus ?? []).map(lower);
      try {
        await authoriseNotice(deps.authoriser, run, input, skus);
      } catch (err) {
        if (!(err instanceof NotAuthorisedError)) throw err;
        Context.current().log.warn('notice refused: not authorised', { problem: err.problem });
        return { outcome: 'refused', problem: err.problem };
      }
      const sender = approvalSettings(deps.config, input.tenantId).mailSender;
      if (!sender) return { outcome: 'not_sent', detail: 'no sender mailbox configured (M365_MAIL_SENDER)' };
      if (!deps.config.inboxUrl) return { outcome: 'not_sent', detail: 'no answer page URL configured (M365_INBOX_URL)' };
      const days = Math.max(1, Math.floor(input.noticeDays));
      const removalDate = addDays(todayUtc(), days);
      return withActivityGraph(deps.graphFor, input.tenantId, async (graph): Promise<NoticeResult> => {
        const user = await noticeRecipient(graph, input.userId);
        if (!user) return { outcome: 'user_not_found' };
        const address = user.mail ?? user.userPrincipalName;
        if (!address) return { outcome: 'not_sent', detail: 'the user has no mail address' };
        const products = await productNames(deps.dbPath, graph, skus);
        // The link works until the workflow's notice period ends (it waits exactly that many days from now).
        const exp = Math.floor(Date.now() / 1000) + days * 86_400;
        const { token } = sealNoticeToken({ tenantId: input.tenantId, workflowId: run.workflowId, runId: run.runId, skus, products, removalDate, exp }, noticeKey());
        const mail = noticeMail({
          displayName: user.displayName ?? address,
          upn: user.userPrincipalName ?? address,
          products,
          removalDate,
          lastActivityDate: await lastActivity(deps.dbPath, input.tenantId, user.id),
          link: `${deps.config.inboxUrl}${USER_RESPONSE_PREFIX}${token}`,
        });
        await sendMail(graph, sender, [address], mail);
        return { outcome: 'sent', removalDate };
      });
    },

    /** Whether an "I still need it" answer carries a genuine link of this very run (the web page checked it once already). */
    async checkUserResponse(input: { token: string }): Promise<ResponseVerdict> {
      const run = callingRun();
      try {
        const c = openNoticeToken(input.token, noticeKey());
        if (c.workflowId !== run.workflowId || c.runId !== run.runId) return { ok: false, problem: 'link_for_another_reclamation' };
        return { ok: true, ref: shortRef(c.nonce), removalDate: c.removalDate };
      } catch (err) {
        if (err instanceof NoticeTokenError) return { ok: false, problem: `link_${err.problem}` };
        throw err;
      }
    },

    /**
     * Mails the approvers (a reminder) or the escalation group (an escalation) that a request waits, from the
     * sender mailbox, once a real person's request is verified. Skipped, not failed, when mail is not configured.
     */
    async mailApprovers(input: { tenantId: string; kind: ApproverMailKind; requester: PersonProof; waitingSince: string; skuCount: number }): Promise<ApproverMailResult> {
      const run = callingRun();
      try {
        if (run.workflowType !== 'reclaimLicenses' || parseReclaimWorkflowId(run.workflowId)?.tenantId !== input.tenantId) throw new NotAuthorisedError('not_this_reclamation');
        await deps.authoriser.requester(input.tenantId, run, input.requester);
      } catch (err) {
        if (!(err instanceof NotAuthorisedError)) throw err;
        return { refused: err.problem };
      }
      const s = approvalSettings(deps.config, input.tenantId);
      const groupId = input.kind === 'reminder' ? s.approversGroupId : s.escalationGroupId;
      if (!s.mailSender || !groupId) return { sent: 0, skipped: !s.mailSender ? 'no_sender' : 'no_group' };
      const sender = s.mailSender;
      return withActivityGraph(deps.graphFor, input.tenantId, async (graph) => {
        const members = await graph.getJson<{ value: DirectoryUser[] }>(
          `/v1.0/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,mail,userPrincipalName`,
        );
        const to = [...new Set(members.value.map((u) => u.mail ?? u.userPrincipalName).filter((a): a is string => Boolean(a)))];
        if (to.length === 0) return { sent: 0, skipped: 'no_members_with_mail' };
        await sendMail(
          graph,
          sender,
          to,
          approverMail(input.kind, { waitingSince: input.waitingSince, skuCount: input.skuCount, ...(deps.config.inboxUrl ? { inboxUrl: deps.config.inboxUrl } : {}) }),
        );
        return { sent: to.length };
      });
    },
  };
}
