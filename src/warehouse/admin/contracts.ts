// Contracts kept by the admin (`contracts` table): per tenant and commerce subscription (or SKU), the seats committed,
// the term and the price. Imported whole or not at all, like prices.
import type { DuckDBConnection } from '@duckdb/node-api';
import { AdminFileError, BILLINGS, overlaps, parseAmount, parseCurrency, parseDate, readAdminCsv, type Billing, type LineProblem } from './csv';
import { withWriter } from '../db/handles';
import { markMartsDue } from '../models/build';
import { knownSkus, unknownSkuReason } from './prices';
import { inTransaction } from '../db/transaction';

export interface ContractRow {
  line?: number;
  tenantId: string;
  commerceSubscriptionId: string | null;
  skuPartNumber: string | null;
  seatsCommitted: number | null;
  termStart: string;
  termEnd: string;
  unitPriceMonthly: string | null;
  currency: string | null;
  billing: Billing | null;
  source: string | null;
}

const REQUIRED = ['tenant', 'commerce_subscription_id', 'sku_part_number', 'seats_committed', 'term_start', 'term_end', 'unit_price_monthly', 'currency', 'billing'] as const;
const OPTIONAL = ['source'] as const;

const key = (c: ContractRow): string => `${c.tenantId}\u0000${c.commerceSubscriptionId ?? ''}\u0000${c.commerceSubscriptionId ? '' : (c.skuPartNumber ?? '')}`;
const what = (c: ContractRow): string => (c.commerceSubscriptionId ? `subscription ${c.commerceSubscriptionId}` : `SKU ${c.skuPartNumber}`);

export function parseContractsFile(file: string, known: Set<string>): ContractRow[] {
  const problems: LineProblem[] = [];
  const out: ContractRow[] = [];
  for (const row of readAdminCsv(file, REQUIRED, OPTIONAL)) {
    const bad = (reason: string) => problems.push({ line: row.line, reason });
    const tenant = row.get('tenant');
    if (!tenant) bad('tenant is empty');
    const sub = row.get('commerce_subscription_id') || null;
    const sku = row.get('sku_part_number') || null;
    if (!sub && !sku) bad('give commerce_subscription_id or sku_part_number');
    if (sku && !known.has(sku)) bad(unknownSkuReason(sku, known));
    const seatsText = row.get('seats_committed');
    const seats = seatsText === '' ? null : Number(seatsText);
    if (seats !== null && (!Number.isInteger(seats) || seats < 0)) bad(`seats_committed "${seatsText}" must be a whole number >= 0`);
    const start = parseDate(row.get('term_start'));
    const end = parseDate(row.get('term_end'));
    if (!start) bad(`term_start "${row.get('term_start')}" is not a date (YYYY-MM-DD)`);
    if (!end) bad(`term_end "${row.get('term_end')}" is not a date (YYYY-MM-DD)`);
    if (start && end && end < start) bad(`term_end ${end} is before term_start ${start}`);
    const priceText = row.get('unit_price_monthly');
    const amount = priceText === '' ? null : parseAmount(priceText);
    if (amount && 'reason' in amount) bad(amount.reason);
    const currencyText = row.get('currency');
    const currency = currencyText === '' ? null : parseCurrency(currencyText);
    if (currencyText !== '' && !currency) bad(`currency "${currencyText}" is not a 3-letter ISO 4217 code`);
    if (amount && !currencyText) bad('a contract price needs its currency');
    const billingText = row.get('billing').toLowerCase();
    if (billingText !== '' && !(BILLINGS as readonly string[]).includes(billingText)) bad(`billing "${row.get('billing')}" must be one of ${BILLINGS.join(', ')}`);
    if (tenant && (sub || sku) && start && end) {
      out.push({
        line: row.line,
        tenantId: tenant,
        commerceSubscriptionId: sub,
        skuPartNumber: sku,
        seatsCommitted: seats !== null && Number.isInteger(seats) ? seats : null,
        termStart: start,
        termEnd: end,
        unitPriceMonthly: amount && 'value' in amount ? amount.value : null,
        currency,
        billing: billingText === '' ? null : (billingText as Billing),
        source: row.get('source') || null,
      });
    }
  }
  if (problems.length === 0) problems.push(...checkContracts(out, []));
  if (problems.length > 0) throw new AdminFileError(file, problems);
  return out;
}

/** Overlapping terms of one subscription (or SKU) and mixed currencies are refused; same key and start replaces. */
export function checkContracts(rows: ContractRow[], stored: ContractRow[]): LineProblem[] {
  const problems: LineProblem[] = [];
  const kept = stored.filter((s) => !rows.some((r) => key(r) === key(s) && r.termStart === s.termStart));
  rows.forEach((r, i) => {
    const others = [...rows.slice(0, i), ...kept].filter((o) => key(o) === key(r));
    const clash = others.find((o) => overlaps({ from: r.termStart, to: r.termEnd }, { from: o.termStart, to: o.termEnd }));
    if (clash) {
      problems.push({
        line: r.line ?? 0,
        reason: `term ${r.termStart}..${r.termEnd} of ${what(r)} (tenant ${r.tenantId}) overlaps ${clash.line !== undefined ? `line ${clash.line}` : 'a stored contract'} (${clash.termStart}..${clash.termEnd})`,
      });
    }
    const mixed = others.find((o) => o.currency && r.currency && o.currency !== r.currency);
    if (mixed) problems.push({ line: r.line ?? 0, reason: `mixed currencies for ${what(r)} (tenant ${r.tenantId}): ${r.currency} here, ${mixed.currency} elsewhere` });
  });
  return problems;
}

async function storedContracts(conn: DuckDBConnection): Promise<ContractRow[]> {
  const r = await conn.runAndReadAll(
    `SELECT tenant_id, commerce_subscription_id, sku_part_number, seats_committed, term_start::VARCHAR, term_end::VARCHAR,
            unit_price_monthly::VARCHAR, currency, billing, source FROM contracts`,
  );
  return r.getRowsJson().map((x) => ({
    tenantId: String(x[0]),
    commerceSubscriptionId: x[1] as string | null,
    skuPartNumber: x[2] as string | null,
    seatsCommitted: x[3] as number | null,
    termStart: String(x[4]),
    termEnd: String(x[5]),
    unitPriceMonthly: x[6] as string | null,
    currency: x[7] as string | null,
    billing: x[8] as Billing | null,
    source: x[9] as string | null,
  }));
}

export async function importContracts(workDbPath: string, file: string): Promise<{ rows: number }> {
  return withWriter(workDbPath, async (conn) => {
    const rows = parseContractsFile(file, await knownSkus(conn));
    const problems = checkContracts(rows, await storedContracts(conn));
    if (problems.length > 0) throw new AdminFileError(file, problems);
    await inTransaction(conn, async () => {
      // A contract file is a handful of rows: parameterised statements in the one transaction.
      for (const c of rows) {
        await conn.run(
          `DELETE FROM contracts WHERE tenant_id = $1 AND commerce_subscription_id IS NOT DISTINCT FROM $2
             AND (commerce_subscription_id IS NOT NULL OR sku_part_number IS NOT DISTINCT FROM $3) AND term_start = $4::DATE`,
          [c.tenantId, c.commerceSubscriptionId, c.skuPartNumber, c.termStart],
        );
        await conn.run(`INSERT INTO contracts VALUES ($1, $2, $3, $4, $5::DATE, $6::DATE, $7, $8, $9::DECIMAL(18,4), $10, now())`, [
          c.tenantId,
          c.commerceSubscriptionId,
          c.skuPartNumber,
          c.seatsCommitted,
          c.termStart,
          c.termEnd,
          c.billing,
          c.currency,
          c.unitPriceMonthly,
          c.source ?? `import: ${file}`,
        ]);
      }
      // Contract prices change the savings figures: the marts follow at publish.
      await markMartsDue(conn, null);
    });
    return { rows: rows.length };
  });
}
