// The report's first section: what the licences cost a year, how much of it pays for idle seats, and what can be
// saved, now or at a renewal (with its date). Each currency on its own: amounts are never added across currencies.
import { dataAttrs, esc } from './escape';
import type { Row, TenantReport } from './data';
import { barChart } from './svg';

const KIND_LABELS: Record<string, string> = {
  reclaim_inactive: 'Reclaim from inactive users',
  reclaim_disabled: 'Reclaim from disabled accounts',
  copilot_idle: 'Idle Copilot seats',
  remove_overlap: 'Remove overlapping licences',
  downgrade: 'Downgrade to a cheaper licence',
  reduce_unassigned: 'Buy fewer unassigned seats',
};

export const kindLabel = (kind: unknown): string => KIND_LABELS[String(kind)] ?? String(kind);

/** When a saving can be had: now, at the renewal on a date, when a trial ends. */
export function whenLabel(r: Row): string {
  if (r.realizable === 'now') return 'now';
  const on = r.realizable_on ? ` on ${String(r.realizable_on)}` : '';
  return r.realizable === 'trial_ending' ? `when the trial ends${on}` : `at renewal${on}`;
}

/** A whole amount with its currency for cards and bars ("USD 1,052,340"), as plain text (escape it for HTML). */
export const wholeMoney = (currency: unknown, amount: unknown): string => `${String(currency ?? '')} ${Math.round(Number(amount)).toLocaleString('en-US')}`;

/** Sums per currency (the amounts are decimal text; a card shows whole units, so doubles are exact enough here). */
function perCurrency(rows: Row[], pick: (r: Row) => boolean): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const r of rows) if (pick(r)) sums.set(String(r.currency), (sums.get(String(r.currency)) ?? 0) + Number(r.annual_saving));
  return [...sums];
}

interface KindTotal {
  kind: string;
  currency: string;
  total: number;
  now: number;
}

/** Savings per kind and currency, with the part realizable now; largest first. */
export function byKind(rows: Row[]): KindTotal[] {
  const out = new Map<string, KindTotal>();
  for (const r of rows) {
    const key = `${String(r.kind)}\u0000${String(r.currency)}`;
    const k = out.get(key) ?? { kind: String(r.kind), currency: String(r.currency), total: 0, now: 0 };
    k.total += Number(r.annual_saving);
    if (r.realizable === 'now') k.now += Number(r.annual_saving);
    out.set(key, k);
  }
  return [...out.values()].sort((a, b) => b.total - a.total || a.kind.localeCompare(b.kind));
}

/** The savings that wait for a date (a renewal, a trial's end): when, how much, of which kinds. */
function laterTable(rows: Row[]): string {
  const dates = new Map<string, { when: string; currency: string; amount: number; kinds: Set<string> }>();
  for (const r of rows.filter((x) => x.realizable !== 'now')) {
    const key = `${whenLabel(r)}\u0000${String(r.currency)}`;
    const d = dates.get(key) ?? { when: whenLabel(r), currency: String(r.currency), amount: 0, kinds: new Set<string>() };
    d.amount += Number(r.annual_saving);
    d.kinds.add(kindLabel(r.kind));
    dates.set(key, d);
  }
  if (dates.size === 0) return '';
  const body = [...dates.values()].map(
    (d) =>
      `<tr${dataAttrs({ when: d.when, currency: d.currency })}><td>${esc(d.when)}</td><td>${esc(wholeMoney(d.currency, d.amount))}</td><td>${esc([...d.kinds].join(', '))}</td></tr>`,
  );
  return `<details class="when"><summary>When the later savings come: ${dates.size} date${dates.size === 1 ? '' : 's'}</summary><div class="scroll"><table><thead><tr><th>when</th><th>a year</th><th>kinds</th></tr></thead><tbody>${body.join('')}</tbody></table></div></details>`;
}

function card(kpi: string, values: string[], note: string, cls = ''): string {
  const shown = values.length ? values.map(esc).join('<br>') : '—';
  return `<div class="card ${cls}"${dataAttrs({ kpi, value: values.join(' + ') })}><div class="k">${kpi}</div><div class="v">${shown}</div><div class="n">${note}</div></div>`;
}

export function money(t: TenantReport): string {
  const m = t.money;
  if (!m) return '';
  const spend = m.totals.map((r) => wholeMoney(r.currency, r.annual_spend));
  const idle = m.totals.map((r) => wholeMoney(r.currency, r.idle_spend));
  const idleShare = m.totals.map((r) => (Number(r.annual_spend) > 0 ? `${Math.round((Number(r.idle_spend) / Number(r.annual_spend)) * 100)}%` : '—')).join(', ');
  // Nothing realizable now is a figure too (every SKU has unassigned seats to hand out first): zero, not a blank.
  const zero = m.totals.map((r) => wholeMoney(r.currency, 0)).slice(0, 1);
  const nowSums = perCurrency(m.savingsByKind, (r) => r.realizable === 'now').map(([c, v]) => wholeMoney(c, v));
  const now = nowSums.length ? nowSums : zero;
  const later = perCurrency(m.savingsByKind, (r) => r.realizable !== 'now').map(([c, v]) => wholeMoney(c, v));
  const dates = [...new Set(m.savingsByKind.filter((r) => r.realizable !== 'now' && r.realizable_on).map((r) => String(r.realizable_on)))].sort();
  const renewal = dates.length ? `from the renewal on ${esc(dates[0])}${dates.length > 1 ? ` (${dates.length} dates, see below)` : ''}` : 'no renewal date known';
  const cards = [
    card('Annual spend', spend, 'paid seats × price × 12', 'money'),
    card('Idle spend', idle, `${idleShare} of the spend: unassigned seats and inactive users`, 'money idle'),
    card('Savings now', now, 'seats that can go today', 'money save'),
    card('Savings at renewal', later, renewal, 'money later'),
  ];
  const chart = barChart(
    'savings',
    'Annual savings by kind: realizable now (darker) and later',
    byKind(m.savingsByKind).map((k) => ({
      label: kindLabel(k.kind),
      value: k.total,
      part: k.now,
      caption: wholeMoney(k.currency, k.total),
      data: { kind: k.kind, currency: k.currency, 'annual-saving': k.total.toFixed(2), now: k.now.toFixed(2) },
    })),
    { label: 250 },
  );
  const unpriced = m.totals.length === 0 ? '<p class="note">No SKU of this tenant has a price yet: <code>m365-license prices missing</code> lists them.</p>' : '';
  return `<section class="money-first" data-section="money"><h3>Money</h3>
    <div class="cards">${cards.join('')}</div>${unpriced}
    <p class="legend">Savings per year by kind (a seat counts once, under one kind): <span class="sw part"></span>now <span class="sw bar"></span>at a renewal or when a trial ends</p>${chart}${laterTable(m.savingsByKind)}</section>`;
}
