// Money in TypeScript: exact decimal text (as DuckDB returns DECIMAL), summed per currency and never across two.
const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);

/** Two currencies were about to be added together. A programming error: group by currency first. */
export class MixedCurrencyError extends Error {
  override name = 'MixedCurrencyError';
}

function toUnits(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${amount}`);
  const frac = (m[3] ?? '').padEnd(SCALE, '0').slice(0, SCALE);
  const units = BigInt(m[2]!) * FACTOR + BigInt(frac || '0');
  return m[1] ? -units : units;
}

function fromUnits(units: bigint, decimals = 2): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const cut = 10n ** BigInt(SCALE - decimals);
  const rounded = (abs + cut / 2n) / cut; // half up
  const whole = rounded / 10n ** BigInt(decimals);
  const frac = (rounded % 10n ** BigInt(decimals)).toString().padStart(decimals, '0');
  return `${neg ? '-' : ''}${whole}${decimals > 0 ? `.${frac}` : ''}`;
}

export interface Money {
  currency: string;
  amount: string;
}

/** Sums amounts of one currency; refuses to add two currencies. */
export function sumMoney(items: readonly Money[]): Money | null {
  if (items.length === 0) return null;
  const currencies = new Set(items.map((i) => i.currency));
  if (currencies.size > 1) throw new MixedCurrencyError(`Refusing to add ${[...currencies].join(' and ')}: sum each currency on its own.`);
  return { currency: items[0]!.currency, amount: fromUnits(items.reduce((s, i) => s + toUnits(i.amount), 0n)) };
}

/** Totals per currency (sorted by currency); rows without money (no price known) are skipped and counted. */
export function totalsByCurrency<T>(rows: readonly T[], money: (row: T) => { currency: unknown; amount: unknown }): { totals: Money[]; unpriced: number } {
  const groups = new Map<string, Money[]>();
  let unpriced = 0;
  for (const r of rows) {
    const { currency, amount } = money(r);
    if (currency === null || currency === undefined || amount === null || amount === undefined) {
      unpriced++;
      continue;
    }
    const c = String(currency);
    const list = groups.get(c) ?? [];
    list.push({ currency: c, amount: String(amount) });
    groups.set(c, list);
  }
  const totals = [...groups.keys()].sort().map((c) => sumMoney(groups.get(c)!)!);
  return { totals, unpriced };
}

/** "USD 1,044.00 + EUR 342.00 + 1 without a price": the totals per currency, never added across currencies; '' for no rows. */
export function totalsText<T>(rows: readonly T[], money: (row: T) => { currency: unknown; amount: unknown }): string {
  const { totals, unpriced } = totalsByCurrency(rows, money);
  return [...totals.map(formatMoney), ...(unpriced ? [`${unpriced} without a price`] : [])].join(' + ');
}

export function formatMoney(m: Money): string {
  const [whole = '0', frac] = m.amount.split('.');
  return `${m.currency} ${whole.replace(/\B(?=(\d{3})+$)/g, ',')}${frac !== undefined ? `.${frac}` : ''}`;
}
