// Decided and ended reclamations, newest first: who, what became of it, who decided and when.
import type { HistoryRow } from '../inbox-data';
import { personName, when } from './format';
import { h } from './html';
import { layout, type Viewer } from './layout';

export function historyPage(rows: readonly HistoryRow[], names: Map<string, { displayName: string | null; upn: string | null }>, viewer: Viewer): string {
  const body = rows.length
    ? h`<table><thead><tr><th>Person</th><th>Outcome</th><th class="num">Licences</th><th>Decision</th><th>Ended</th></tr></thead><tbody>${rows.map(
        (
          r,
        ) => h`<tr data-workflow="${r.workflowId}"><td><a href="/requests/${encodeURIComponent(r.workflowId)}">${personName(r.userId, names)}</a></td><td><span class="badge">${r.state.replaceAll('_', ' ')}</span></td>
<td class="num">${r.skus ?? '?'}</td><td>${r.decision ? h`${r.decision.kind === 'approve' ? 'approved' : 'rejected'} by ${personName(r.decision.by, names)}` : h`<span class="muted">no decision</span>`}</td><td>${when(r.closedAt)}</td></tr>`,
      )}</tbody></table>`
    : h`<p class="center muted">No reclamation has ended yet.</p>`;
  return layout('Decided', h`<h1>Decided</h1><p class="sub">Reclamations that have ended: executed, rejected, expired or stopped.</p><div class="card">${body}</div>`, viewer);
}
