// One reclamation as an approver judges it: who the person is, why they are a candidate, each licence that goes by
// product name and annual cost, what stays because a group assigns it, the mailbox warning, the last activity per
// service, the decision form (bound to the run and scope shown) and the history of the request.
import type { AuditLine } from '../../reclaim-view/audit-trail';
import type { LicenceFacts, ReclamationFacts } from '../../reclaim-view/lookup';
import type { ReclaimState } from '../../workflows/reclaim/messages';
import { day, money, moneyTotal, personName, upnHtml, when } from './format';
import { h, type Html } from './html';
import { layout, type Viewer } from './layout';

export interface RequestView {
  state: ReclaimState;
  facts: ReclamationFacts;
  names: Map<string, { displayName: string | null; upn: string | null }>;
  audit: AuditLine[];
  viewerId: string;
  /** A token for the decision form; undefined when no decision can be made now. */
  decisionToken?: string;
  /** The viewer's sign-in is too old to decide with: sign in again first. */
  staleSignIn?: { maxAgeMinutes: number };
  flash?: { ok: boolean; text: string };
}

const SERVICE_NAMES: Record<string, string> = { exchange: 'Exchange (mail)', outlook: 'Outlook', onedrive: 'OneDrive', sharepoint: 'SharePoint', teams: 'Teams', skype: 'Skype for Business', yammer: 'Viva Engage (Yammer)' };

const licenceOf = (facts: ReclamationFacts, id: string): LicenceFacts => facts.licences.get(id.toLowerCase()) ?? { skuId: id, skuPartNumber: null, productName: null, annualCost: null, currency: null };
const productCell = (l: LicenceFacts): Html => h`${l.productName ?? l.skuPartNumber ?? 'Unknown product'}<div class="muted">${l.skuPartNumber ?? ''} · <code>${l.skuId}</code></div>`;

function personCard(v: RequestView): Html {
  const p = v.facts.person;
  const account = p?.accountEnabled === null || p?.accountEnabled === undefined ? '' : p.accountEnabled ? h`<span class="badge on">enabled</span>` : h`<span class="badge off">blocked from signing in</span>`;
  return h`<div class="card"><h2>Person</h2><dl class="facts">
<dt>Name</dt><dd data-field="name">${p?.displayName ?? 'not in the published warehouse'}</dd>
<dt>User name (UPN)</dt><dd data-field="upn">${p?.upn ? upnHtml(p.upn) : ''}</dd>
<dt>Department</dt><dd>${p?.department ?? '—'}</dd>
<dt>Job title</dt><dd>${p?.jobTitle ?? '—'}</dd>
<dt>Account</dt><dd>${account}</dd>
<dt>Object id</dt><dd><code>${v.state.userId}</code></dd>
</dl>${p?.snapshotDate ? h`<p class="muted">As of the roster of ${p.snapshotDate}.</p>` : ''}</div>`;
}

function whyCard(v: RequestView): Html {
  const c = v.facts.candidate;
  const p = v.facts.person;
  let why: Html;
  if (!c) why = h`<p>Not among the licensed users the published warehouse evaluates today.</p>`;
  else if (c.isCandidate) why = h`<p data-field="why">${c.daysInactive === null ? 'No recorded activity at all' : `Inactive for ${c.daysInactive} days`} — the tenant's threshold is ${c.inactivityDays} days${c.signal ? ` (measured by ${c.signal === 'both' ? 'usage reports and sign-ins' : c.signal === 'sign_in' ? 'sign-ins' : 'usage reports'})` : ''}.</p>`;
  else if (c.excludedBy) why = h`<p data-field="why">Kept off today's candidate list by the <strong>${c.excludedBy}</strong> rule: check this request was meant.</p>`;
  else why = h`<p data-field="why">Active within the threshold (${c.inactivityDays} days) today: not a candidate any more.</p>`;
  const rows = (p?.activity ?? []).map((a) => h`<tr><td>${SERVICE_NAMES[a.service] ?? a.service}</td><td class="num">${day(a.last)}</td></tr>`);
  return h`<div class="card"><h2>Why a candidate</h2>${why}<table><thead><tr><th>Last activity</th><th class="num">Date</th></tr></thead><tbody>${rows}
<tr><td>Last sign-in</td><td class="num" data-field="last-sign-in">${day(p?.lastSignIn)}</td></tr></tbody></table></div>`;
}

function licencesCard(v: RequestView): Html {
  const s = v.state;
  const goes = s.scope.map((id) => licenceOf(v.facts, id));
  const stays = s.groupInherited.map((g) => ({ l: licenceOf(v.facts, g.skuId), groups: g.groupIds }));
  return h`<div class="card"><h2>${s.status === 'executed' ? 'Licences removed' : 'Licences to remove'}${s.dryRun ? ' (dry run: nothing is removed)' : ''}</h2>
<table data-table="scope"><thead><tr><th>Product</th><th class="num">Annual cost</th></tr></thead><tbody>${goes.map(
    (l) => h`<tr data-sku="${l.skuId}"><td>${productCell(l)}</td><td class="num">${money(l.annualCost, l.currency)}</td></tr>`,
  )}<tr class="total"><td>Total a year</td><td class="num" data-field="total">${moneyTotal(goes)}</td></tr></tbody></table>
${stays.length ? h`<h2 class="spaced">Stays: assigned by a group</h2><table data-table="stays"><tbody>${stays.map((x) => h`<tr><td>${productCell(x.l)}</td><td>Assigned by group ${x.groups.map((g) => h`<code>${g}</code> `)}: change the group membership to remove it.</td></tr>`)}</tbody></table>` : ''}
${s.notHeld.length ? h`<p class="muted">Asked for but not held by the person: ${s.notHeld.map((id) => licenceOf(v.facts, id).productName ?? id).join(', ')}</p>` : ''}</div>`;
}

function decisionCard(v: RequestView): Html {
  const s = v.state;
  if (s.status !== 'awaiting_approval') return h``;
  if (v.staleSignIn) return h`<div class="card"><h2>Decide</h2><p>A decision needs a sign-in made within the last ${v.staleSignIn.maxAgeMinutes} minutes.</p><p><a class="button" href="/signin?return=/requests/${encodeURIComponent(s.workflowId)}">Sign in again to decide</a></p></div>`;
  if (!v.decisionToken) return h``;
  const own = s.requesterId === v.viewerId;
  const buttons = own
    ? h`<div class="notice bad" data-field="own-request">You requested this removal, so you cannot approve it: another member of the approvers group must. You may withdraw it.</div><div class="buttons"><button class="danger" name="decision" value="reject">Withdraw the request</button></div>`
    : h`<div class="buttons"><button class="primary" name="decision" value="approve">Approve removal</button><button class="danger" name="decision" value="reject">Reject</button></div>`;
  return h`<div class="card"><h2>Decide</h2><form class="decide" method="post" action="/requests/${encodeURIComponent(s.workflowId)}/decision">
<input type="hidden" name="form_token" value="${v.decisionToken}"><input type="hidden" name="run" value="${s.runId}"><input type="hidden" name="scope" value="${s.scopeHash}">
<label>Comment (kept in the audit trail only; required to reject)<textarea name="comment" maxlength="1000"></textarea></label>${buttons}
<p class="muted">Your decision is bound to this run and to exactly the licences listed (scope <code>${s.scopeHash.slice(0, 12)}</code>); if the request changes, it is refused and you review again.</p></form></div>`;
}

function historyCard(v: RequestView): Html {
  const s = v.state;
  const events = s.events.map((e) => h`<tr><td>${when(e.at)}</td><td>${e.kind.replaceAll('_', ' ')}</td><td>${e.by ? personName(e.by, v.names) : ''}</td><td>${e.note ?? ''}</td></tr>`);
  const audit = v.audit.map((a) => h`<tr><td>${when(a.at)}</td><td>${a.event.replaceAll('_', ' ')}${a.outcome ? ` (${a.outcome})` : ''}</td><td>${a.actor ? personName(a.actor, v.names) : ''}</td><td>${a.text ?? ''}</td></tr>`);
  return h`<div class="card"><h2>History</h2><p class="muted">Requested ${when(s.requestedAt)} by ${s.requesterId ? personName(s.requesterId, v.names) : 'a requester not verified yet'}.${s.decision ? h` ${s.decision.kind === 'approve' ? 'Approved' : 'Rejected'} ${when(s.decision.at)} by ${personName(s.decision.by, v.names)}.` : ''}</p>
<table data-table="events"><thead><tr><th>When</th><th>What</th><th>Who</th><th>Note</th></tr></thead><tbody>${events}</tbody></table>
${audit.length ? h`<h2 class="spaced">Audit trail</h2><table data-table="audit"><thead><tr><th>When</th><th>Event</th><th>Who</th><th>Reason or comment</th></tr></thead><tbody>${audit}</tbody></table>` : ''}</div>`;
}

/** The workflow's texts name SKUs by id (ids only cross its history): shown with the product's name instead. */
function withProductNames(text: string, facts: ReclamationFacts): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (id) => facts.licences.get(id.toLowerCase())?.productName ?? id);
}

export function requestPage(v: RequestView, viewer: Viewer): string {
  const s = v.state;
  const p = v.facts.person;
  const title = p?.displayName ?? p?.upn ?? s.userId;
  const mailbox = s.mailboxWarning
    ? h`<div class="warning" data-field="mailbox"><strong>Mailbox:</strong> ${withProductNames(s.mailboxWarning, v.facts)} Convert the mailbox to a shared mailbox first (Exchange admin center → Recipients → Mailboxes → Convert to shared mailbox): its mail stays reachable without a licence. Then approve.</div>`
    : '';
  const flash = v.flash ? h`<div class="notice ${v.flash.ok ? 'ok' : 'bad'}" data-field="flash">${v.flash.text}</div>` : '';
  const status = h`<span class="badge" data-field="status">${s.status.replaceAll('_', ' ')}</span>`;
  return layout(
    `Request: ${title}`,
    h`<h1>${title} ${status}</h1><p class="sub">${[p?.jobTitle, p?.department].filter(Boolean).join(' · ') || 'Licence removal request'}</p>${flash}${mailbox}
<div class="grid2">${personCard(v)}${whyCard(v)}</div>${licencesCard(v)}${decisionCard(v)}${historyCard(v)}`,
    viewer,
  );
}
