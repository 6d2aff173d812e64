// How money, dates, ages and people read on the pages.
import { formatMoney, totalsText } from '../../warehouse/index';
import { annualCost } from '../../warehouse/lookup/index';
import { h, type Html } from './html';

export const money = (amount: string | null, currency: string | null): string => (amount === null || currency === null ? 'no price known' : formatMoney({ amount, currency }));

/** Sums per currency; "USD 1,234.00 + EUR 10.00"; notes licences without a price. */
export function moneyTotal(items: readonly { annualCost: string | null; currency: string | null }[]): string {
  return items.length === 0 ? '—' : totalsText(items, annualCost);
}

export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 3600) return `${Math.max(1, Math.floor(s / 60))} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : 'never');

export const when = (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');

/** A UPN that may wrap before its domain (and only there). */
export function upnHtml(upn: string): Html {
  const at = upn.indexOf('@');
  return at < 0 ? h`${upn}` : h`${upn.slice(0, at)}<wbr>${upn.slice(at)}`;
}

/** A person by name with their UPN, or their object id when the warehouse does not know them. */
export function personName(id: string, names: Map<string, { displayName: string | null; upn: string | null }>): Html {
  const n = names.get(id.toLowerCase());
  if (!n?.displayName && !n?.upn) return h`<span title="object id">${id}</span>`;
  return h`${n.displayName ?? n.upn}${n.displayName && n.upn ? h` <span class="muted upn">${upnHtml(n.upn)}</span>` : ''}`;
}
