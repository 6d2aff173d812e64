// The approver's pages: the inbox, one request, the decision on it and the decided ones. Every decision is the
// CLI's (cli/reclaim/decide.ts submitDecision): the signed-in person's own ID token sealed for the workers, bound
// to the purpose, the workflow, and the run and scope the page showed; the worker verifies it as it verifies the
// CLI's. This server holds only the workers' PUBLIC key: it can seal, never open, and it cannot approve for anyone.
import type { KeyObject } from 'node:crypto';
import { readReclamation } from '../cli/reclaim/list';
import { submitDecision } from '../cli/reclaim/decide';
import { sealProof } from '../identity/proof';
import { seal } from '../identity/seal';
import { parseReclaimWorkflowId } from '../shared/names';
import type { ReclaimState } from '../workflows/reclaim/messages';
import { FORM_TOKEN_FIELD, type FormTokens } from './csrf';
import { historyRows, inboxRows, lookUpRequest, type WebDeps } from './inbox-data';
import { html, redirect, type WebResponse } from './http';
import { historyPage } from './pages/history-page';
import { inboxPage } from './pages/inbox-page';
import { messagePage, type Viewer } from './pages/layout';
import { requestPage } from './pages/request-page';
import type { Route, RouteContext } from './routes';
import type { Session } from './sessions';

export interface InboxDeps extends WebDeps {
  formTokens: FormTokens;
  /** The workers' approval PUBLIC key (sealing only). */
  publicKey: KeyObject;
  /** How old a sign-in may be when a decision is made (the workers' M365_APPROVAL_MAX_AGE_MINUTES). */
  maxAgeSeconds: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** Refused a little before the worker would: the update travels, and the worker checks the age again. */
const FRESHNESS_MARGIN_S = 60;

const viewerOf = (ctx: RouteContext): Viewer => ({ name: ctx.session!.name, signOutToken: ctx.formToken('/signout') });
const isFresh = (d: InboxDeps, s: Session): boolean => Date.now() / 1000 - s.signedInAt < d.maxAgeSeconds - FRESHNESS_MARGIN_S;

/** The workflow id of the path when it is a reclamation of this server's tenant; undefined otherwise. */
function workflowIdOf(d: InboxDeps, raw: string | undefined): string | undefined {
  const id = raw ? decodeURIComponent(raw) : '';
  return parseReclaimWorkflowId(id)?.tenantId === d.tenantId ? id : undefined;
}

async function showRequest(d: InboxDeps, ctx: RouteContext, id: string): Promise<WebResponse> {
  const session = ctx.session!;
  let r;
  try {
    r = await readReclamation(d.client, id);
  } catch {
    return html(404, messagePage('Not found', 'No such request.', viewerOf(ctx)));
  }
  if (r.kind !== 'state' || !('scope' in r.state)) {
    const how = r.kind === 'ended' ? `It ended ${r.failure.closedAs.toLowerCase()}: ${r.failure.detail}` : 'It is not a reclamation this page shows.';
    return html(200, messagePage('Request ended', how, viewerOf(ctx)));
  }
  const s: ReclaimState = r.state;
  const known = await lookUpRequest(d.dbPath, s);
  const flash = session.flash;
  delete session.flash;
  const deciding = s.status === 'awaiting_approval';
  const fresh = isFresh(d, session);
  return html(
    200,
    requestPage(
      {
        state: s,
        ...known,
        viewerId: session.objectId,
        ...(deciding && fresh ? { decisionToken: ctx.formToken(`/requests/${encodeURIComponent(id)}/decision`) } : {}),
        ...(deciding && !fresh ? { staleSignIn: { maxAgeMinutes: Math.round(d.maxAgeSeconds / 60) } } : {}),
        ...(flash ? { flash } : {}),
      },
      viewerOf(ctx),
    ),
  );
}

async function decide(d: InboxDeps, ctx: RouteContext, id: string): Promise<WebResponse> {
  const session = ctx.session!;
  const { form } = ctx.req;
  const action = `/requests/${encodeURIComponent(id)}/decision`;
  const back = redirect(action.replace(/\/decision$/, ''));
  const problem = d.formTokens.consume(form.get(FORM_TOKEN_FIELD), session.id, action);
  if (problem) {
    d.log('form refused', { workflowId: id, problem });
    return html(
      403,
      messagePage(
        'Form refused',
        `This form cannot be used (${problem === 'unknown_or_used' ? 'it was already sent, or it is not one this server made' : problem}). Open the request again and decide there.`,
        viewerOf(ctx),
      ),
    );
  }
  const kind = form.get('decision');
  if (kind !== 'approve' && kind !== 'reject') return html(400, messagePage('No decision', 'Choose approve or reject.', viewerOf(ctx)));
  const comment = (form.get('comment') ?? '').trim();
  const flash = (ok: boolean, text: string): WebResponse => ((session.flash = { ok, text }), back);
  if (kind === 'reject' && !comment) return flash(false, 'Say why you reject it (the comment is kept in the audit trail): nothing was sent.');
  if (!isFresh(d, session)) return flash(false, `Your sign-in is older than ${Math.round(d.maxAgeSeconds / 60)} minutes: sign in again, then decide.`);
  const runId = form.get('run') ?? '';
  const scope = form.get('scope') ?? '';
  try {
    const verdict = await submitDecision(
      d.client,
      id,
      kind,
      async (s) => {
        if (s.runId !== runId) throw new Error('This request was started again since you opened it: review it again.');
        const text = comment ? seal(comment, d.publicKey) : undefined;
        const proof = sealProof(session.idToken, { purpose: kind, workflowId: id, runId: s.runId, scopeHash: s.scopeHash }, d.publicKey);
        return { idToken: proof, runId: s.runId, scopeHash: s.scopeHash, ...(text ? { [kind === 'approve' ? 'comment' : 'reason']: text } : {}) };
      },
      scope,
    );
    d.log('decision', { workflowId: id, kind, accepted: verdict.accepted, ...(verdict.accepted ? {} : { reason: verdict.reason }) });
    if (verdict.accepted) return flash(true, kind === 'approve' ? 'Approved: the licences are being removed.' : 'Rejected: nothing changes.');
    return flash(false, `Refused by the worker: ${verdict.reason}`);
  } catch (err) {
    return flash(false, (err as Error).message);
  }
}

export function inboxRoutes(d: InboxDeps): Route[] {
  return [
    { method: 'GET', pattern: /^\/$/, signedIn: true, handle: async (ctx) => html(200, inboxPage(await inboxRows(d), viewerOf(ctx), ctx.session!.objectId)) },
    {
      method: 'GET',
      pattern: /^\/history$/,
      signedIn: true,
      handle: async (ctx) => {
        const { rows, names } = await historyRows(d);
        return html(200, historyPage(rows, names, viewerOf(ctx)));
      },
    },
    {
      method: 'GET',
      pattern: /^\/requests\/(?<id>[^/]+)$/,
      signedIn: true,
      handle: (ctx) => {
        const id = workflowIdOf(d, ctx.req.params.id);
        return id ? showRequest(d, ctx, id) : html(404, messagePage('Not found', 'No such request.', viewerOf(ctx)));
      },
    },
    {
      method: 'POST',
      pattern: /^\/requests\/(?<id>[^/]+)\/decision$/,
      signedIn: true,
      handle: (ctx) => {
        const id = workflowIdOf(d, ctx.req.params.id);
        return id ? decide(d, ctx, id) : html(404, messagePage('Not found', 'No such request.', viewerOf(ctx)));
      },
    },
  ];
}
