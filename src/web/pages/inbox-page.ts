// The inbox: reclamations waiting for a decision, each with the person's name, department, the licences in scope,
// what they cost a year and who asked. Links carry the workflow id only, never a name or UPN.
import { age, moneyTotal, personName, upnHtml } from './format';
import { h } from './html';
import { layout, type Viewer } from './layout';
import type { InboxRow } from '../inbox-data';

export function inboxPage(rows: readonly InboxRow[], viewer: Viewer, viewerId: string): string {
  const body = rows.length
    ? h`<table><thead><tr><th>Person</th><th>Department</th><th class="num">Licences</th><th class="num">Annual cost</th><th>Requested by</th><th class="num">Waiting</th><th></th></tr></thead><tbody>${rows.map(
        (r) => h`<tr data-workflow="${r.workflowId}">
<td class="person"><a href="/requests/${encodeURIComponent(r.workflowId)}">${r.user?.displayName ?? r.user?.upn ?? r.userId}</a>${r.user?.upn && r.user.displayName ? h`<div class="muted upn">${upnHtml(r.user.upn)}</div>` : ''}</td>
<td>${r.user?.department ?? ''}</td>
<td class="num">${r.licences === undefined ? '?' : r.licences.length}</td>
<td class="num">${r.licences === undefined ? '?' : moneyTotal(r.licences)}</td>
<td>${r.requesterId ? personName(r.requesterId, r.names) : 'not verified yet'}${r.requesterId === viewerId ? h` <span class="badge">you</span>` : ''}</td>
<td class="num">${age(r.startedAt)}</td>
<td class="nowrap"><a href="/requests/${encodeURIComponent(r.workflowId)}">Review</a></td></tr>`,
      )}</tbody></table>`
    : h`<p class="center muted">Nothing is waiting for a decision.</p>`;
  return layout(
    'Waiting for a decision',
    h`<h1>Waiting for a decision</h1><p class="sub">Licence removals requested for inactive people. Open one to see what it removes, what it costs and why, then approve or reject it.</p><div class="card">${body}</div>`,
    viewer,
  );
}
