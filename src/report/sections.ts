// The report's sections for one tenant, as HTML strings. Every value is escaped (esc) or a number we formatted.
import { dataAttrs, esc } from './escape';
import { LIST_LIMIT, SERVICES, type OptionalView, type Row, type TenantReport } from './data';
import { wholeMoney } from './money';
import { barChart, lineChart } from './svg';

const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v));
const fmt = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toLocaleString('en-US') : esc(v));
const pct = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—');

function table(columns: string[], rows: Row[], cell: (r: Row, c: string) => string = (r, c) => fmt(r[c])): string {
  if (rows.length === 0) return `<p class="empty">None.</p>`;
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${cell(r, c)}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

export function banners(t: TenantReport): string {
  const out: string[] = [];
  const s = t.snapshot;
  if (!s) out.push('No snapshot has been loaded for this tenant yet.');
  else {
    if (s.concealed) {
      out.push(
        `The usage reports of ${esc(s.snapshot_date)} were concealed (hashed names): activity figures come from ${
          s.activity_snapshot_date ? `the snapshot of ${esc(s.activity_snapshot_date)}` : 'no snapshot at all'
        }. Turn off "Display concealed user, group, and site names" in the Microsoft 365 admin center (Settings › Org settings › Reports).`,
      );
    }
    if (!s.activity_snapshot_date) out.push('No usage report could be trusted yet: nobody is listed as inactive.');
    const asOf = s.activity_as_of ? Date.parse(String(s.activity_as_of)) : NaN;
    const age = Number.isNaN(asOf) ? 0 : Math.round((Date.parse(String(s.snapshot_date)) - asOf) / 86_400_000);
    if (s.stale || age > num(s.freshness_days ?? 7)) {
      out.push(
        `The usage reports are stale: activity is as of ${esc(s.activity_as_of)}, ${age} days before the snapshot of ${esc(s.snapshot_date)} (freshness setting: ${fmt(s.freshness_days)} days).`,
      );
    }
  }
  const last = t.runs[0];
  // A degraded run because of concealed reports is already explained by the banner above.
  const explained = last?.concealed === true && s?.concealed === true;
  if (last && last.status !== 'succeeded' && !explained) out.push(`The last run (${esc(last.run_id)}) ended ${esc(last.status)}${last.message ? `: ${esc(last.message)}` : '.'}`);
  return out.map((m) => `<div class="banner" role="alert">${m}</div>`).join('');
}

/** The tenant's SKUs split in paid and free or viral ones (free-skus.ts): totals and bars speak of paid seats. */
export const paidSkus = (t: TenantReport): Row[] => t.utilization.filter((u) => !t.freeSkus.includes(String(u.sku_part_number ?? '')));
export const freeSkus = (t: TenantReport): Row[] => t.utilization.filter((u) => t.freeSkus.includes(String(u.sku_part_number ?? '')));

export function summary(t: TenantReport): string {
  let purchased = 0;
  let assigned = 0;
  for (const u of paidSkus(t)) {
    purchased += num(u.purchased);
    assigned += num(u.assigned);
  }
  const free = freeSkus(t).reduce((n, u) => n + num(u.assigned), 0);
  const cards: [string, string, string][] = [
    ['Paid licences', fmt(purchased), `${paidSkus(t).length} paid SKUs`],
    ['Assigned', fmt(assigned), `${pct(assigned, purchased)} of the paid licences`],
    ['Unassigned', fmt(purchased - assigned), 'paid, available to reassign'],
    ['Inactive licensed users', fmt(t.inactiveTotals.inactive), 'reclamation candidates'],
    ['Never active', fmt(t.inactiveTotals.never_active), 'licensed, no activity on record'],
    ['Free and viral seats', fmt(free), `${freeSkus(t).length} free SKUs, shown apart`],
  ];
  return `<div class="cards">${cards.map(([k, v, note]) => `<div class="card"${dataAttrs({ kpi: k, value: v })}><div class="k">${k}</div><div class="v">${v}</div><div class="n">${note}</div></div>`).join('')}</div>`;
}

/** Paid SKUs on one scale, 0-100% used, so a SKU of 5 seats reads as well as one of 50,000. */
export function utilization(t: TenantReport): string {
  const paid = paidSkus(t);
  const chart = barChart(
    'utilization',
    'Share of the purchased licences assigned, per paid SKU',
    paid.map((u) => {
      const share = num(u.purchased) > 0 ? (num(u.assigned) / num(u.purchased)) * 100 : 0;
      return {
        label: String(u.product_name ?? u.sku_part_number),
        value: share,
        total: 100,
        // Assigned beyond what was bought (a lapsed subscription still assigned) has no share: say what it is.
        caption: num(u.purchased) > 0 ? `${Math.round(share)}% of ${fmt(u.purchased)}` : `${fmt(u.assigned)} of 0 bought`,
        data: { sku: u.sku_part_number, assigned: num(u.assigned), purchased: num(u.purchased) },
      };
    }),
    { label: 250, max: 100 },
  );
  return `<section><h3>Utilisation of paid licences</h3><p class="legend"><span class="sw bar"></span>assigned <span class="sw total"></span>purchased (100%), per SKU</p>${chart}
    ${table(['sku_part_number', 'product_name', 'purchased', 'assigned', 'available', 'utilization'], paid, (r, c) =>
      c === 'utilization' ? (r[c] === null ? '—' : `${Math.round(num(r[c]) * 100)}%`) : fmt(r[c]),
    )}</section>`;
}

/** Free and viral offers: seat counts only, no cost, out of every total above. */
export function free(t: TenantReport): string {
  const rows = freeSkus(t);
  if (rows.length === 0) return '';
  return `<section data-section="free-skus"><h3>Free and viral SKUs</h3><p class="note">Self-service and trial offers (price zero, or known free offers such as Microsoft Fabric (Free), Power Automate Free, Teams Exploratory): they cost nothing and are left out of the totals and charts above.</p>
    ${table(['product_name', 'sku_part_number', 'purchased', 'assigned'], rows)}</section>`;
}

export function inactive(t: TenantReport): string {
  // Free and viral seats left idle cost nothing: the bars are the paid SKUs' inactive holders.
  const chart = barChart(
    'inactive',
    'Inactive licensed users per paid SKU (never active in the darker part)',
    t.inactiveBySku
      .filter((r) => !t.freeSkus.includes(String(r.sku)))
      .map((r) => ({
        label: String(r.sku),
        value: num(r.inactive),
        part: num(r.never_active),
        caption: `${fmt(r.inactive)} (${fmt(r.never_active)} never)`,
        data: { sku: r.sku, inactive: num(r.inactive), 'never-active': num(r.never_active) },
      })),
    { label: 250 },
  );
  const excluded = t.excludedByRule.length === 0 ? '' : `<p>Kept off the list by a rule: ${t.excludedByRule.map((r) => `${esc(r.excluded_by)} ${fmt(r.users)}`).join(', ')}.</p>`;
  const total = num(t.inactiveTotals.inactive);
  return `<section><h3>Inactive and never-active licensed users</h3>
    <p>${fmt(total)} licensed users are inactive beyond the threshold, ${fmt(t.inactiveTotals.never_active)} of them never active, ${fmt(t.inactiveTotals.disabled)} with a disabled account (the list is at the end).</p>
    <p class="legend"><span class="sw bar"></span>inactive <span class="sw part"></span>never active</p>${chart}${excluded}</section>`;
}

/** The long list of inactive users, collapsed at the end of the page. */
export function inactiveList(t: TenantReport): string {
  const total = num(t.inactiveTotals.inactive);
  const more = total > t.inactiveUsers.length ? `<p class="note">The first ${LIST_LIMIT} of ${fmt(total)}; <code>m365-license candidates --all</code> lists every one.</p>` : '';
  return `<details class="list" data-list="inactive-users"><summary>Inactive licensed users: the list (${fmt(total)})</summary>
    ${table(['user_principal_name', 'display_name', 'department', 'days_inactive', 'last_activity_date', 'sku_part_numbers', 'account_enabled'], t.inactiveUsers, (r, c) =>
      c === 'sku_part_numbers' && Array.isArray(r[c]) ? (r[c] as unknown[]).map(esc).join(', ') : c === 'days_inactive' && r[c] === null ? 'never' : fmt(r[c]),
    )}${more}</details>`;
}

export function activity(t: TenantReport): string {
  if (t.activity.length === 0) return `<section><h3>Activity by service and licence (last 30 days)</h3><p class="empty">No licence holders.</p></section>`;
  const head = `<tr><th>SKU</th><th>holders</th><th>any</th>${SERVICES.map((s) => `<th>${s}</th>`).join('')}</tr>`;
  const cell = (r: Row, key: string, service: string) => {
    const holders = num(r.holders);
    const active = num(r[key]);
    const share = holders > 0 ? active / holders : 0;
    return `<td class="heat" style="--share:${share.toFixed(3)}"${dataAttrs({ sku: r.sku, service, active, holders })} title="${esc(r.sku)} · ${service}: ${active} of ${holders}">${fmt(active)} <small>${pct(active, holders)}</small></td>`;
  };
  const body = t.activity
    .map((r) => `<tr><th>${esc(r.sku)}</th><td>${fmt(r.holders)}</td>${cell(r, 'active_any_30d', 'any')}${SERVICES.map((s) => cell(r, `active_${s}_30d`, s)).join('')}</tr>`)
    .join('');
  return `<section><h3>Activity by service and licence (last 30 days)</h3><p>Licence holders active in each service; darker cells mean a larger share.</p>
    <div class="scroll"><table class="heatmap" data-chart="activity"><thead>${head}</thead><tbody>${body}</tbody></table></div></section>`;
}

export function trend(t: TenantReport): string {
  const dates = t.trend.map((r) => String(r.snapshot_date));
  const chart = lineChart('trend', 'Assigned and purchased licences per snapshot', dates, [
    { name: 'assigned', cls: 'assigned', values: t.trend.map((r) => num(r.assigned)) },
    { name: 'purchased', cls: 'purchased', values: t.trend.map((r) => num(r.purchased)) },
  ]);
  return `<section><h3>Trend over the history</h3><p>${dates.length} snapshot${dates.length === 1 ? '' : 's'}, all SKUs together.</p>${chart}</section>`;
}

function optional(title: string, v: OptionalView | null, chart: string): string {
  if (!v) return '';
  return `<section><h3>${title}</h3>${chart}${table(v.columns, v.rows, (r, c) => (Array.isArray(r[c]) ? (r[c] as unknown[]).map(esc).join(', ') : fmt(r[c])))}</section>`;
}

export function spend(t: TenantReport): string {
  const v = t.spend ? { ...t.spend, rows: t.spend.rows.filter((r) => !t.freeSkus.includes(String(r.sku_part_number ?? ''))) } : null;
  const chart =
    v && v.columns.includes('annual_spend') && v.columns.includes('sku_part_number')
      ? barChart(
          'spend',
          'Annual spend per SKU',
          v.rows
            .filter((r) => r.annual_spend !== null)
            .map((r) => ({
              label: String(r.sku_part_number),
              value: num(r.annual_spend),
              part: num(r.inactive_annual_cost) + num(r.unassigned_annual_cost),
              caption: wholeMoney(r.currency ?? '', r.annual_spend),
              data: { sku: r.sku_part_number, 'annual-spend': num(r.annual_spend), currency: r.currency ?? '' },
            })),
          { label: 250 },
        )
      : '';
  return optional('Spend per paid SKU (darker: idle — inactive or unassigned seats)', v, chart);
}

/** Every saving opportunity (per user and licence), collapsed at the end of the page; the totals lead the page. */
export function savingsList(t: TenantReport): string {
  const v = t.savings;
  if (!v) return '';
  return `<details class="list" data-list="savings"><summary>Savings opportunities: the list (${fmt(v.rows.length)}${v.rows.length >= LIST_LIMIT ? '+' : ''})</summary>
    ${table(v.columns, v.rows, (r, c) => (Array.isArray(r[c]) ? (r[c] as unknown[]).map(esc).join(', ') : fmt(r[c])))}</details>`;
}

export function reclamations(t: TenantReport): string {
  return `<section><h3>Reclamation log</h3><p>Most recent first (up to ${LIST_LIMIT} events).</p>
    ${table(['at', 'event', 'actor', 'user', 'skus', 'outcome', 'detail'], t.reclamations, (r, c) =>
      Array.isArray(r[c]) ? (r[c] as unknown[]).map(esc).join(', ') : fmt(r[c]),
    )}</section>`;
}

export function runs(t: TenantReport): string {
  return `<section><h3>Recent runs</h3>${table(['snapshot_date', 'status', 'finished_at', 'licensed_users_count', 'concealed', 'stale', 'message'], t.runs, (r, c) =>
    c === 'status' ? `<span class="status ${esc(r[c])}">${esc(r[c])}</span>` : fmt(r[c]),
  )}</section>`;
}
