// Prices kept by the admin (`prices` table): import a CSV whole or not at all, set one price from a date, list them,
// and list the SKUs whose spend cannot be priced. Writes go through the single writer of the working database.
// Precedence, highest first: a contract, the admin's price for the tenant, the admin's price for all tenants, the
// shipped list price (data/prices.csv). Each level is checked on its own: an admin's EUR price for a SKU whose list
// price is in USD is fine, it simply wins; two admin prices of one scope in two currencies are refused.
import type { DuckDBConnection } from '@duckdb/node-api';
import { AdminFileError, BILLINGS, overlaps, parseAmount, parseCurrency, parseDate, readAdminCsv, type Billing, type LineProblem } from './csv';
import { withWriter } from '../db/handles';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';

export interface PriceRow {
  tenantId: string | null;
  skuPartNumber: string;
  currency: string;
  unitPriceMonthly: string;
  billing: Billing;
  effectiveFrom: string;
  effectiveTo: string | null;
  source: string | null;
  retrievedOn: string | null;
  /** A shipped list price (data/prices.csv); the admin's own prices are never list prices. */
  listPrice?: boolean;
}

const REQUIRED = ['sku_part_number', 'currency', 'unit_price_monthly', 'billing', 'effective_from', 'effective_to'] as const;
const OPTIONAL = ['tenant', 'source', 'retrieved_on'] as const;

/** SKU part numbers the warehouse knows: Microsoft's licensing reference plus every tenant's subscribed SKUs. */
export async function knownSkus(conn: DuckDBConnection): Promise<Set<string>> {
  const r = await conn.runAndReadAll(
    'SELECT sku_part_number FROM sku_reference WHERE sku_part_number IS NOT NULL UNION SELECT sku_part_number FROM skus WHERE sku_part_number IS NOT NULL',
  );
  return new Set(r.getRowsJson().map((row) => String(row[0])));
}

export function unknownSkuReason(sku: string, known: Set<string>): string {
  const near = [...known].find((k) => k.toLowerCase() === sku.toLowerCase());
  return `unknown SKU "${sku}"${near ? ` (did you mean "${near}"?)` : " (not in Microsoft's licensing reference nor in any tenant's subscribed SKUs)"}`;
}

interface Stored extends PriceRow {
  line?: number;
}

async function storedPrices(conn: DuckDBConnection): Promise<Stored[]> {
  const r = await conn.runAndReadAll(
    `SELECT tenant_id, sku_part_number, currency, unit_price_monthly::VARCHAR, billing, effective_from::VARCHAR, effective_to::VARCHAR,
            source, retrieved_on::VARCHAR, coalesce(list_price, false) FROM prices`,
  );
  return r.getRowsJson().map((x) => ({
    tenantId: x[0] as string | null,
    skuPartNumber: String(x[1]),
    currency: String(x[2]),
    unitPriceMonthly: String(x[3]),
    billing: x[4] as Billing,
    effectiveFrom: String(x[5]),
    effectiveTo: x[6] as string | null,
    source: x[7] as string | null,
    retrievedOn: x[8] as string | null,
    listPrice: x[9] === true,
  }));
}

/** One level of precedence for one SKU: prices within it must agree on currency and must not overlap. */
const scopeKey = (p: PriceRow): string => `${p.listPrice ? 'list' : 'admin'}\u0000${p.tenantId ?? '*'}\u0000${p.skuPartNumber}`;
const rangeKey = (p: PriceRow): string => `${scopeKey(p)}\u0000${p.billing}`;
const sameRow = (a: PriceRow, b: PriceRow): boolean => rangeKey(a) === rangeKey(b) && a.effectiveFrom === b.effectiveFrom;
const scopeText = (p: PriceRow): string => (p.listPrice ? 'list price' : p.tenantId ? `tenant ${p.tenantId}` : 'all tenants');

/**
 * Checks new rows against each other and the stored ones (a stored row with the same scope, SKU, billing and
 * effective_from is replaced, so re-importing a file is idempotent). Returns the problems, by line.
 */
export function checkPrices(rows: Stored[], stored: Stored[]): LineProblem[] {
  const problems: LineProblem[] = [];
  const kept = stored.filter((s) => !rows.some((r) => sameRow(r, s)));
  rows.forEach((r, i) => {
    const line = r.line ?? 0;
    for (const other of [...rows.slice(0, i), ...kept]) {
      if (rangeKey(other) === rangeKey(r) && overlaps({ from: r.effectiveFrom, to: r.effectiveTo }, { from: other.effectiveFrom, to: other.effectiveTo })) {
        const where = other.line !== undefined ? `line ${other.line}` : 'a stored price';
        problems.push({
          line,
          reason: `effective range ${r.effectiveFrom}..${r.effectiveTo ?? 'open'} of ${r.skuPartNumber} (${r.billing}, ${scopeText(r)}) overlaps ${where} (${other.effectiveFrom}..${other.effectiveTo ?? 'open'})`,
        });
        break;
      }
    }
    const mixed = [...rows.slice(0, i), ...kept].find((o) => scopeKey(o) === scopeKey(r) && o.currency !== r.currency);
    if (mixed) {
      problems.push({
        line,
        reason: `mixed currencies for ${r.skuPartNumber} (${scopeText(r)}): ${r.currency} here, ${mixed.currency} ${mixed.line !== undefined ? `on line ${mixed.line}` : 'in a stored price'}; one SKU's spend would add two currencies`,
      });
    }
  });
  return problems;
}

/** Parses and validates a prices CSV; throws AdminFileError listing every bad line. */
export function parsePricesFile(file: string, known: Set<string>): Stored[] {
  const problems: LineProblem[] = [];
  const out: Stored[] = [];
  for (const row of readAdminCsv(file, REQUIRED, OPTIONAL)) {
    const bad = (reason: string) => problems.push({ line: row.line, reason });
    const sku = row.get('sku_part_number');
    if (!sku) bad('sku_part_number is empty');
    else if (!known.has(sku)) bad(unknownSkuReason(sku, known));
    const currency = parseCurrency(row.get('currency'));
    if (!currency) bad(`currency "${row.get('currency')}" is not a 3-letter ISO 4217 code`);
    const amount = parseAmount(row.get('unit_price_monthly'));
    if ('reason' in amount) bad(amount.reason);
    const billing = row.get('billing').toLowerCase();
    if (!(BILLINGS as readonly string[]).includes(billing)) bad(`billing "${row.get('billing')}" must be one of ${BILLINGS.join(', ')}`);
    const from = parseDate(row.get('effective_from'));
    if (!from) bad(`effective_from "${row.get('effective_from')}" is not a date (YYYY-MM-DD)`);
    const toText = row.get('effective_to');
    const to = toText === '' ? null : parseDate(toText);
    if (toText !== '' && !to) bad(`effective_to "${toText}" is not a date (YYYY-MM-DD); leave it empty for "until further notice"`);
    if (from && to && to < from) bad(`effective_to ${to} is before effective_from ${from}`);
    const retrieved = row.get('retrieved_on');
    if (retrieved !== '' && !parseDate(retrieved)) bad(`retrieved_on "${retrieved}" is not a date (YYYY-MM-DD)`);
    if (sku && currency && 'value' in amount && from && (toText === '' || to)) {
      out.push({
        line: row.line,
        tenantId: row.get('tenant') || null,
        skuPartNumber: sku,
        currency,
        unitPriceMonthly: amount.value,
        billing: billing as Billing,
        effectiveFrom: from,
        effectiveTo: to,
        source: row.get('source') || null,
        retrievedOn: retrieved || null,
      });
    }
  }
  if (problems.length === 0) problems.push(...checkPrices(out, []));
  if (problems.length > 0) throw new AdminFileError(file, problems);
  return out;
}

async function writePrices(conn: DuckDBConnection, rows: PriceRow[], defaultSource: string): Promise<void> {
  // Price files are a few dozen rows: parameterised inserts inside the one transaction are fine here.
  for (const r of rows) {
    await conn.run(
      `DELETE FROM prices WHERE tenant_id IS NOT DISTINCT FROM $1 AND sku_part_number = $2 AND billing = $3 AND effective_from = $4::DATE
         AND NOT coalesce(list_price, false)`,
      [r.tenantId, r.skuPartNumber, r.billing, r.effectiveFrom],
    );
    await conn.run(
      `INSERT INTO prices (tenant_id, sku_part_number, currency, unit_price_monthly, billing, effective_from, effective_to, source, retrieved_on, imported_at, list_price)
       VALUES ($1, $2, $3, $4::DECIMAL(18,4), $5, $6::DATE, $7::DATE, $8, $9::DATE, now(), false)`,
      [r.tenantId, r.skuPartNumber, r.currency, r.unitPriceMonthly, r.billing, r.effectiveFrom, r.effectiveTo, r.source ?? defaultSource, r.retrievedOn],
    );
  }
}

/** Imports a prices CSV into the working database: validated whole first, then written in one transaction. */
export async function importPrices(workDbPath: string, file: string): Promise<{ rows: number }> {
  return withWriter(workDbPath, async (conn) => {
    const rows = parsePricesFile(file, await knownSkus(conn));
    const problems = checkPrices(rows, await storedPrices(conn));
    if (problems.length > 0) throw new AdminFileError(file, problems);
    // Prices change every tenant's savings figures: their marts are recomputed at publish.
    await inTransaction(conn, async () => {
      await writePrices(conn, rows, `import: ${file}`);
      await markMartsDue(conn, null);
    });
    return { rows: rows.length };
  });
}

export interface SetPriceOptions {
  skuPartNumber: string;
  monthly: string;
  currency: string;
  from: string;
  tenantId?: string | null;
  billing?: Billing;
  source?: string | null;
}

const dayBefore = (d: string): string => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * Sets the SKU's price from `from` on: the price in force that day (same scope and billing) now ends the day before;
 * a price starting later is refused (rewrite the schedule with `prices import`).
 */
export async function setPrice(workDbPath: string, o: SetPriceOptions): Promise<PriceRow> {
  const amount = parseAmount(o.monthly);
  if ('reason' in amount) throw new RangeError(`--monthly: ${amount.reason}`);
  const currency = parseCurrency(o.currency);
  if (!currency) throw new RangeError(`--currency "${o.currency}" is not a 3-letter ISO 4217 code`);
  if (!parseDate(o.from)) throw new RangeError(`--from "${o.from}" is not a date (YYYY-MM-DD)`);
  const row: PriceRow = {
    tenantId: o.tenantId ?? null,
    skuPartNumber: o.skuPartNumber,
    currency,
    unitPriceMonthly: amount.value,
    billing: o.billing ?? 'annual',
    effectiveFrom: o.from,
    effectiveTo: null,
    source: o.source ?? 'prices set',
    retrievedOn: null,
  };
  return withWriter(workDbPath, async (conn) => {
    const known = await knownSkus(conn);
    if (!known.has(row.skuPartNumber)) throw new RangeError(unknownSkuReason(row.skuPartNumber, known));
    const stored = await storedPrices(conn);
    const later = stored.find((s) => rangeKey(s) === rangeKey(row) && s.effectiveFrom > row.effectiveFrom);
    if (later) {
      throw new RangeError(
        `${row.skuPartNumber} (${row.billing}, ${scopeText(row)}) already has a price from ${later.effectiveFrom}; use "prices import" to rewrite its schedule.`,
      );
    }
    const current = stored.find(
      (s) => rangeKey(s) === rangeKey(row) && s.effectiveFrom < row.effectiveFrom && overlaps({ from: row.effectiveFrom, to: null }, { from: s.effectiveFrom, to: s.effectiveTo }),
    );
    const closed = current ? { ...current, effectiveTo: dayBefore(row.effectiveFrom) } : undefined;
    const others = stored.filter((s) => s !== current);
    const problems = checkPrices([row], closed ? [...others, closed] : others);
    if (problems.length > 0) throw new RangeError(problems.map((p) => p.reason).join('; '));
    await inTransaction(conn, async () => {
      if (closed) await writePrices(conn, [closed], 'prices set');
      await writePrices(conn, [row], 'prices set');
      await markMartsDue(conn, null);
    });
    return row;
  });
}
