// The fleet's page of reports: every tenant, its latest snapshot and last run, and a link to its own report. Read
// from the runs and snapshots tables only (a row per run and per day, never per user), so rewriting it after every
// run costs about the same for a fleet of 10 tenants as of 1,000.
import type { DuckDBConnection } from '@duckdb/node-api';
import { rows, type Row } from './data';
import { esc } from './escape';
import { htmlPage } from './page';

/** Each tenant with a run or a snapshot: its latest snapshot day and its last run (by start). */
export const FLEET_SQL = `WITH last_run AS (
    SELECT tenant_id, snapshot_date, status, finished_at, licensed_users_count,
      row_number() OVER (PARTITION BY tenant_id ORDER BY started_at DESC NULLS LAST, finished_at DESC NULLS LAST, run_id DESC) AS n
    FROM runs),
  latest AS (SELECT tenant_id, max(snapshot_date) AS snapshot_date FROM snapshots GROUP BY tenant_id)
  SELECT coalesce(r.tenant_id, l.tenant_id) AS tenant_id, l.snapshot_date::VARCHAR AS latest_snapshot,
    r.snapshot_date::VARCHAR AS run_date, r.status, r.finished_at, r.licensed_users_count
  FROM (SELECT * FROM last_run WHERE n = 1) r FULL JOIN latest l ON l.tenant_id = r.tenant_id
  ORDER BY 1`;

export async function readFleet(conn: DuckDBConnection): Promise<Row[]> {
  return rows(conn, FLEET_SQL);
}

export interface FleetLinks {
  /** The tenant's report relative to the page, or null when it has none (yet, or not by its id). */
  href(tenantId: string): string | null;
  /** Why a tenant has no link. */
  missing(tenantId: string): string;
}

function tenantRow(r: Row, links: FleetLinks): string {
  const id = String(r.tenant_id);
  const href = links.href(id);
  const tenant = href ? `<a href="${esc(href)}">${esc(id)}</a>` : `${esc(id)} <span class="note">(${esc(links.missing(id))})</span>`;
  const status = r.status === null ? '' : `<span class="status ${esc(r.status)}">${esc(r.status)}</span>`;
  const cells = [tenant, esc(r.latest_snapshot ?? 'none'), esc(r.run_date ?? ''), status, esc(r.finished_at ?? ''), esc(r.licensed_users_count ?? '')];
  return `<tr data-tenant="${esc(id)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

export function renderFleetPage(fleet: Row[], generatedAt: string, links: FleetLinks): string {
  const by = (status: string) => fleet.filter((r) => r.status === status).length;
  const counts = ['succeeded', 'degraded', 'failed'].map((s) => `${by(s)} ${s}`).join(', ');
  const body =
    fleet.length === 0
      ? '<div class="banner" role="alert">The warehouse has no run yet: run the pipeline first.</div>'
      : `<section data-section="fleet"><h3>Reports by tenant</h3><p class="note">Last runs: ${esc(counts)}. Each tenant's report is rewritten after its own run.</p>` +
        `<div class="scroll"><table><thead><tr><th>Tenant</th><th>Latest snapshot</th><th>Last run</th><th>Status</th><th>Finished</th><th>Licensed users</th></tr></thead>` +
        `<tbody>${fleet.map((r) => tenantRow(r, links)).join('')}</tbody></table></div></section>`;
  return htmlPage(`${fleet.length} tenant${fleet.length === 1 ? '' : 's'} · generated ${esc(generatedAt)}`, '', body);
}
