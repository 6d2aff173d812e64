// The HTML page around the sections: one file, inline CSS, no script, no external resource of any kind, so it opens
// from the file system, by mail or on a share, and a strict Content-Security-Policy forbids anything else loading.
import { esc } from './escape';
import type { ReportData, TenantReport } from './data';
import { money } from './money';
import * as s from './sections';

const CSS = `
:root { --ink:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bar:#2f6fdf; --total:#cfdcf6; --part:#12398a; --bg:#f6f7f9; --warn:#fff4d6; --warnline:#e0b000; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
main { max-width:1120px; margin:0 auto; padding:24px 20px 48px; }
header h1 { margin:0 0 4px; font-size:24px; } header p { margin:0; color:var(--muted); }
h2 { margin:32px 0 8px; font-size:20px; border-bottom:2px solid var(--line); padding-bottom:4px; }
h3 { margin:0 0 8px; font-size:17px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin:14px 0; }
.banner { background:var(--warn); border:1px solid var(--warnline); border-radius:6px; padding:10px 14px; margin:10px 0; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:10px; margin:14px 0; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .k { color:var(--muted); font-size:13px; } .card .v { font-size:26px; font-weight:600; } .card .n { color:var(--muted); font-size:12px; }
.money-first { border-top:4px solid var(--bar); } .money-first h3 { font-size:19px; }
.card.money .v { font-size:24px; } .card.idle .v { color:#a86b00; } .card.save .v { color:#17803d; } .card.later .v { color:#12398a; }
details.list { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 18px; margin:14px 0; }
details.list summary { cursor:pointer; font-weight:600; font-size:16px; } details.list[open] summary { margin-bottom:8px; }
details.when summary { cursor:pointer; color:var(--muted); font-size:14px; }
.chart { width:100%; height:auto; display:block; margin:8px 0 12px; }
.chart text { font-size:12px; fill:var(--ink); } .chart .axis { fill:var(--muted); font-size:11px; }
.chart .label, .chart .value { dominant-baseline:middle; }
.chart .bar { fill:var(--bar); } .chart .total { fill:var(--total); } .chart .part { fill:var(--part); }
.chart .grid { stroke:var(--line); } .chart .line { fill:none; stroke-width:2.5; }
.chart .line.assigned, .chart .key.assigned { stroke:var(--bar); fill:var(--bar); } .chart .line.purchased, .chart .key.purchased { stroke:#9aa6bd; fill:#9aa6bd; }
.chart polyline.line { fill:none; } .chart .point.assigned { fill:var(--bar); } .chart .point.purchased { fill:#9aa6bd; }
.legend { color:var(--muted); font-size:13px; margin:0; } .sw { display:inline-block; width:12px; height:12px; border-radius:2px; vertical-align:-1px; margin:0 4px 0 10px; }
.sw.bar { background:var(--bar); } .sw.total { background:var(--total); } .sw.part { background:var(--part); }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; white-space:nowrap; }
td:last-child { white-space:normal; } thead th { color:var(--muted); font-weight:600; }
.heatmap td.heat { background:rgba(47,111,223,calc(var(--share) * 0.85)); color:var(--ink); }
.heatmap td.heat small { color:inherit; opacity:.75; }
.status.succeeded { color:#17803d; } .status.degraded { color:#a86b00; } .status.failed { color:#b42318; }
.empty, .note { color:var(--muted); }
nav a { margin-right:12px; }
@media print { body { background:#fff; } section { break-inside:avoid; } details.list { display:block; } }
`;

/** Money first, then the charts, then the long lists (collapsed), then the logs. */
function tenantSection(t: TenantReport, multi: boolean): string {
  const title = multi ? `<h2 id="t-${esc(t.tenantId)}">Tenant ${esc(t.tenantId)}</h2>` : '';
  const snapshot = t.snapshot ? `<p class="note">Snapshot of ${esc(t.snapshot.snapshot_date)}; activity as of ${esc(t.snapshot.activity_as_of ?? 'never')}.</p>` : '';
  return (
    `<div class="tenant" data-tenant="${esc(t.tenantId)}">${title}${snapshot}${s.banners(t)}${money(t)}${s.summary(t)}${s.utilization(t)}${s.spend(t)}` +
    `${s.inactive(t)}${s.activity(t)}${s.trend(t)}${s.free(t)}${s.inactiveList(t)}${s.savingsList(t)}${s.reclamations(t)}${s.runs(t)}</div>`
  );
}

export interface PageOptions {
  /** A link back to the fleet's list of reports, relative to this page (only where the page sits beside it). */
  indexHref?: string;
}

export function renderPage(data: ReportData, opts: PageOptions = {}): string {
  const multi = data.tenants.length > 1;
  const subtitle = data.tenants.length === 1 ? `Tenant ${esc(data.tenants[0]!.tenantId)} · ` : `${data.tenants.length} tenants · `;
  const links = [
    ...(opts.indexHref ? [`<a href="${esc(opts.indexHref)}">All tenants</a>`] : []),
    ...(multi ? data.tenants.map((t) => `<a href="#t-${esc(t.tenantId)}">${esc(t.tenantId)}</a>`) : []),
  ];
  const body =
    data.tenants.length === 0
      ? '<div class="banner" role="alert">The warehouse has no snapshot yet: run the pipeline first.</div>'
      : data.tenants.map((t) => tenantSection(t, multi)).join('');
  return htmlPage(`${subtitle}generated ${esc(data.generatedAt)}`, links.length > 0 ? `<nav>${links.join('')}</nav>` : '', body);
}

/** The page around any body: the one stylesheet, the CSP, the heading. `subtitle`, `nav` and `body` are HTML. */
export function htmlPage(subtitle: string, nav: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Microsoft 365 licences report</title>
<style>${CSS}</style></head>
<body><main><header><h1>Microsoft 365 licences</h1><p>${subtitle}</p>${nav}</header>
${body}
</main></body></html>
`;
}
