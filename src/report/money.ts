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

/** A whole amount with its currency for the cards ("USD 1,052,340"); exact amounts are in the tables and titles. */
export const wholeMoney = (currency: unknown, amount: unknown): string =>
  `${esc(currency)} ${Math.round(Number(amount)).toLocaleString('en-US')}`;

/** Sums per currency (the amounts are decimal text; a card shows whole units, so doubles are exact enough here). */
function perCurrency(rows: Row[], pick: (r: Row) => boolean): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const r of rows) if (pick(r)) sums.set(String(r.currency), (sums.get(String(r.currency)) ?? 0) + Number(r.annual_saving));
  return [...sums];
}

function card(kpi: string, values: string[], note: string, cls = ''): string {
  const shown = values.length ? values.join('<br>') : '—';
  return `<div class="card ${cls}"${dataAttrs({ kpi, value: values.join(' + ') })}><div class="k">${kpi}</div><div class="v">${shown}</div><div class="n">${note}</div></div>`;
}

export function money(t: TenantReport): string {
  const m = t.money;
  if (!m) return '';
  const spend = m.totals.map((r) => wholeMoney(r.currency, r.annual_spend));
  const idle = m.totals.map((r) => wholeMoney(r.currency, r.idle_spend));
  const idleShare = m.totals.map((r) => (Number(r.annual_spend) > 0 ? `${Math.round((Number(r.idle_spend) / Number(r.annual_spend)) * 100)}%` : '—')).join(', ');
  const now = perCurrency(m.savingsByKind, (r) => r.realizable === 'now').map(([c, v]) => wholeMoney(c, v));
  const later = perCurrency(m.savingsByKind, (r) => r.realizable !== 'now').map(([c, v]) => wholeMoney(c, v));
  const dates = [...new Set(m.savingsByKind.filter((r) => r.realizable !== 'now' && r.realizable_on).map((r) => String(r.realizable_on)))].sort();
  const renewal = dates.length ? `from the renewal on ${esc(dates[0])}${dates.length > 1 ? ` (${dates.length} dates, see below)` : ''}` : 'no renewal date known';
  const cards = [
    card('Annual spend', spend, 'paid seats × price × 12', 'money'),
    card('Idle spend', idle, `${idleShare} of the spend: unassigned seats and inactive users`, 'money idle'),
    card('Savings now', now, 'seats that can go today', 'money save'),
    card('Savings at renewal', later, renewal, 'money later'),
  ];
  const chart = barChart('savings', 'Annual savings by kind and when they can be realised', m.savingsByKind.map((r) => ({
    label: `${kindLabel(r.kind)} · ${whenLabel(r)}`, value: Number(r.annual_saving),
    caption: `${wholeMoney(r.currency, r.annual_saving)}`,
    data: { kind: r.kind, currency: r.currency, realizable: r.realizable, 'realizable-on': r.realizable_on ?? '', 'annual-saving': r.annual_saving },
  })), { label: 330 });
  const unpriced = m.totals.length === 0 ? '<p class="note">No SKU of this tenant has a price yet: <code>m365-license prices missing</code> lists them.</p>' : '';
  return `<section class="money-first" data-section="money"><h3>Money</h3>
    <div class="cards">${cards.join('')}</div>${unpriced}
    <p class="legend">Savings per year by kind and when each can be had (a seat counts once, under one kind).</p>${chart}</section>`;
}
