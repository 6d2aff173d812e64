// One reclamation as an approver judges it: who the person is, why they are a candidate, each licence that goes by
// product name and annual cost, what stays because a group assigns it, the mailbox warning, the last activity per
// service, the decision form (bound to the run and scope shown) and the history of the request.
import type { LicenceView, Service } from '../../warehouse/lookup/index';
import type { RequestFacts } from '../inbox-data';
import type { ReclaimState } from '../../workflows/reclaim/messages';
import { day, money, moneyTotal, personName, upnHtml, when } from './format';
import { h, type Html } from './html';
import { layout, type Viewer } from './layout';

export interface RequestView extends RequestFacts {
  state: ReclaimState;
  viewerId: string;
  /** A token for the decision form; undefined when no decision can be made now. */
  decisionToken?: string;
  /** The viewer's sign-in is too old to decide with: sign in again first. */
  staleSignIn?: { maxAgeMinutes: number };
  flash?: { ok: boolean; text: string };
}

/** The services in the order the page lists them, by the names people know them by. */
const SERVICE_NAMES: Record<Service, string> = {
  exchange: 'Exchange (mail)',
  outlook: 'Outlook',
  onedrive: 'OneDrive',
  sharepoint: 'SharePoint',
  teams: 'Teams',
  skype: 'Skype for Business',
  yammer: 'Viva Engage (Yammer)',
};

const PRICE_SOURCES: Record<string, string> = { contract: 'contract price', tenant: "the tenant's own price", admin: "the admin's price", list: 'list price' };

const licenceOf = (v: RequestView, id: string): LicenceView =>
  v.licences.get(id.toLowerCase()) ?? { skuId: id, partNumber: null, productName: null, annualCost: null, currency: null, priceSource: null };
const productCell = (l: LicenceView): Html => h`${l.productName ?? l.partNumber ?? 'Unknown product'}<div class="muted">${l.partNumber ?? ''} · <code>${l.skuId}</code></div>`;
const costCell = (l: LicenceView): Html =>
  h`${money(l.annualCost, l.currency)}${l.priceSource ? h`<div class="muted">${PRICE_SOURCES[l.priceSource] ?? l.priceSource}</div>` : ''}`;

function personCard(v: RequestView): Html {
  const p = v.person;
  const account = p.accountEnabled === null ? '' : p.accountEnabled ? h`<span class="badge on">enabled</span>` : h`<span class="badge off">blocked from signing in</span>`;
  return h`<div class="card"><h2>Person</h2><dl class="facts">
<dt>Name</dt><dd data-field="name">${p.known ? (p.displayName ?? '—') : 'not in the published warehouse'}</dd>
<dt>User name (UPN)</dt><dd data-field="upn">${p.upn ? upnHtml(p.upn) : ''}</dd>
<dt>Department</dt><dd>${p.department ?? '—'}</dd>
<dt>Job title</dt><dd>${p.jobTitle ?? '—'}</dd>
<dt>Account</dt><dd>${account}</dd>
<dt>Object id</dt><dd><code>${v.state.userId}</code></dd>
</dl>${p.asOf ? h`<p class="muted">As of the roster of ${p.asOf}.</p>` : ''}${p.note ? h`<p class="muted" data-field="note">${p.note}</p>` : ''}</div>`;
}

function whyCard(v: RequestView): Html {
  const c = v.candidate;
  const p = v.person;
  let why: Html;
  if (!c) why = h`<p>Not among the licensed users the published warehouse evaluates today.</p>`;
  else if (c.isCandidate)
    why = h`<p data-field="why">${c.daysInactive === null ? 'No recorded activity at all' : `Inactive for ${c.daysInactive} days`} — the tenant's threshold is ${c.inactivityDays} days${c.signal ? ` (measured by ${c.signal === 'both' ? 'usage reports and sign-ins' : c.signal === 'sign_in' ? 'sign-ins' : 'usage reports'})` : ''}.</p>`;
  else if (c.excludedBy) why = h`<p data-field="why">Kept off today's candidate list by the <strong>${c.excludedBy}</strong> rule: check this request was meant.</p>`;
  else why = h`<p data-field="why">Active within the threshold (${c.inactivityDays} days) today: not a candidate any more.</p>`;
  const rows = (Object.keys(SERVICE_NAMES) as Service[]).map((k) => h`<tr><td>${SERVICE_NAMES[k]}</td><td class="num">${day(p.lastActivityPerService[k])}</td></tr>`);
  return h`<div class="card"><h2>Why a candidate</h2>${why}<table><thead><tr><th>Last activity</th><th class="num">Date</th></tr></thead><tbody>${rows}
<tr><td>Last sign-in</td><td class="num" data-field="last-sign-in">${day(p.lastSignIn)}</td></tr></tbody></table></div>`;
}

function licencesCard(v: RequestView): Html {
  const s = v.state;
  const goes = s.scope.map((id) => licenceOf(v, id));
  const stays = s.groupInherited.map((g) => ({ l: licenceOf(v, g.skuId), groups: g.groupIds }));
  return h`<div class="card"><h2>${s.status === 'executed' ? 'Licences removed' : 'Licences to remove'}${s.dryRun ? ' (dry run: nothing is removed)' : ''}</h2>
<table data-table="scope"><thead><tr><th>Product</th><th class="num">Annual cost</th></tr></thead><tbody>${goes.map(
    (l) => h`<tr data-sku="${l.skuId}"><td>${productCell(l)}</td><td class="num">${costCell(l)}</td></tr>`,
  )}<tr class="total"><td>Total a year</td><td class="num" data-field="total">${moneyTotal(goes)}</td></tr></tbody></table>
${stays.length ? h`<h2 class="spaced">Stays: assigned by a group</h2><table data-table="stays"><tbody>${stays.map((x) => h`<tr><td>${productCell(x.l)}</td><td>Assigned by group ${x.groups.map((g) => h`<code>${g}</code> `)}: change the group membership to remove it.</td></tr>`)}</tbody></table>` : ''}
${s.notHeld.length ? h`<p class="muted">Asked for but not held by the person: ${s.notHeld.map((id) => licenceOf(v, id).productName ?? id).join(', ')}</p>` : ''}</div>`;
}

/** The notice to the person and their answer: "I still need it" pauses the removal until an approver decides again. */
function noticeCard(s: ReclaimState): Html {
  if (!s.noticeRemovalDate) return h``;
  const told = h`<p data-field="notice">The person was told by mail that these licences go on <strong>${s.noticeRemovalDate}</strong>, with a link to answer.</p>`;
  if (!s.userObjectedAt)
    return h`<div class="card"><h2>Notice to the person</h2>${told}${s.status === 'notice_given' ? h`<p class="muted">They have not answered: the licences go on that date unless they do.</p>` : ''}</div>`;
  const paused = s.status === 'awaiting_approval' ? h` The removal is paused until an approver decides again: approve to remove the licences now, or reject to keep them.` : '';
  return h`<div class="card"><h2>Notice to the person</h2>${told}<div class="notice bad" data-field="user-answer"><strong>The person answered "I still need it"</strong> on ${when(s.userObjectedAt)}.${paused}</div></div>`;
}

function decisionCard(v: RequestView): Html {
  const s = v.state;
  if (s.status !== 'awaiting_approval') return h``;
  if (v.staleSignIn)
    return h`<div class="card"><h2>Decide</h2><p>A decision needs a sign-in made within the last ${v.staleSignIn.maxAgeMinutes} minutes.</p><p><a class="button" href="/signin?return=/requests/${encodeURIComponent(s.workflowId)}">Sign in again to decide</a></p></div>`;
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
  const events = s.events.map(
    (e) => h`<tr><td>${when(e.at)}</td><td>${e.kind.replaceAll('_', ' ')}</td><td>${e.by ? personName(e.by, v.names) : ''}</td><td>${e.note ?? ''}</td></tr>`,
  );
  const audit = v.audit.map(
    (a) =>
      h`<tr><td>${when(a.at)}</td><td>${a.event.replaceAll('_', ' ')}${a.outcome ? ` (${a.outcome})` : ''}</td><td>${a.actor ? personName(a.actor, v.names) : ''}</td><td>${a.text ?? ''}</td></tr>`,
  );
  return h`<div class="card"><h2>History</h2><p class="muted">Requested ${when(s.requestedAt)} by ${s.requesterId ? personName(s.requesterId, v.names) : 'a requester not verified yet'}.${s.decision ? h` ${s.decision.kind === 'approve' ? 'Approved' : 'Rejected'} ${when(s.decision.at)} by ${personName(s.decision.by, v.names)}.` : ''}</p>
<table data-table="events"><thead><tr><th>When</th><th>What</th><th>Who</th><th>Note</th></tr></thead><tbody>${events}</tbody></table>
${audit.length ? h`<h2 class="spaced">Audit trail</h2><table data-table="audit"><thead><tr><th>When</th><th>Event</th><th>Who</th><th>Reason or comment</th></tr></thead><tbody>${audit}</tbody></table>` : ''}</div>`;
}

/** The workflow's texts name SKUs by id (ids only cross its history): shown with the product's name instead. */
function withProductNames(text: string, licences: RequestView['licences']): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (id) => licences.get(id.toLowerCase())?.productName ?? id);
}

export function requestPage(v: RequestView, viewer: Viewer): string {
  const s = v.state;
  const p = v.person;
  const title = p.displayName ?? p.upn ?? s.userId;
  const mailbox = s.mailboxWarning
    ? h`<div class="warning" data-field="mailbox"><strong>Mailbox:</strong> ${withProductNames(s.mailboxWarning, v.licences)} Convert the mailbox to a shared mailbox first (Exchange admin center → Recipients → Mailboxes → Convert to shared mailbox): its mail stays reachable without a licence. Then approve.</div>`
    : '';
  const flash = v.flash ? h`<div class="notice ${v.flash.ok ? 'ok' : 'bad'}" data-field="flash">${v.flash.text}</div>` : '';
  const status = h`<span class="badge" data-field="status">${s.status.replaceAll('_', ' ')}</span>`;
  return layout(
    `Request: ${title}`,
    h`<h1>${title} ${status}</h1><p class="sub">${[p.jobTitle, p.department].filter(Boolean).join(' · ') || 'Licence removal request'}</p>${flash}${mailbox}
<div class="grid2">${personCard(v)}${whyCard(v)}</div>${licencesCard(v)}${noticeCard(s)}${decisionCard(v)}${historyCard(v)}`,
    viewer,
  );
}
