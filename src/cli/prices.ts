// `m365-license prices import FILE.csv | list | set SKU --monthly X --currency C [--from D] [--tenant T] | missing`:
// the prices the spend views use (see docs/warehouse.md, data/prices.csv for the shipped USD list prices).
import path from 'node:path';
import type { Command } from 'commander';
import { importPrices, setPrice } from '../warehouse/index';
import { BILLINGS, type Billing } from '../warehouse/index';
import { dbPaths, sqlText, writeAndPublish, type DbOptions } from './admin-db';
import { formatRows, parseFormat, queryPublished } from './query';
import { UsageError } from './usage-error';

interface ReadOptions extends DbOptions {
  tenant?: string;
  format?: string;
}

/** A stored price's level of precedence, as the money views rank them (a contract outranks all three). */
const LEVEL_SQL = `CASE WHEN tenant_id IS NOT NULL THEN 'tenant' WHEN coalesce(list_price, false) THEN 'list' ELSE 'admin' END`;

const dbOptions = (c: Command): Command =>
  c
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--work-db <file>', 'private working database (default: <dataDir>/work/m365.duckdb)');

export function registerPrices(program: Command): void {
  const prices = program.command('prices').description('licence prices used by the spend and savings views');
  registerPriceImport(prices);
  registerPriceSet(prices);
  registerPriceList(prices);
  registerPriceMissing(prices);
}

/** prices import: your price file, all rows or none. */
function registerPriceImport(prices: Command): void {
  dbOptions(prices.command('import').argument('<file>', 'CSV: sku_part_number,currency,unit_price_monthly,billing,effective_from,effective_to[,tenant][,source][,retrieved_on]'))
    .description(
      'import your prices (they take precedence over the shipped list prices): all rows or none (overlapping ranges, unknown SKUs, negative prices, bad billing values, mixed currencies within your prices refuse the file)',
    )
    .action(async (file: string, opts: DbOptions) => {
      const r = await writeAndPublish(opts, (work) => importPrices(work, path.resolve(file)));
      process.stdout.write(`Imported ${r.rows} price${r.rows === 1 ? '' : 's'} from ${file}.\n`);
    });
}

/** prices set: one SKU's price from a date on. */
function registerPriceSet(prices: Command): void {
  dbOptions(prices.command('set').argument('<sku>', 'SKU part number, e.g. SPE_E3'))
    .description("set a SKU's monthly price from a date on (the price in force that day ends the day before)")
    .requiredOption('--monthly <amount>', 'unit price per user per month, e.g. 36.00')
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
    .option('--from <YYYY-MM-DD>', 'first day the price applies (default: today, UTC)')
    .option('--tenant <tenant>', 'only this tenant (default: every tenant)')
    .option('--billing <term>', `${BILLINGS.join(' | ')}`, 'annual')
    .option('--source <text>', 'where the price comes from')
    .action(async (sku: string, opts: DbOptions & { monthly: string; currency: string; from?: string; tenant?: string; billing: string; source?: string }) => {
      if (!(BILLINGS as readonly string[]).includes(opts.billing)) throw new UsageError(`--billing must be one of ${BILLINGS.join(', ')}, got ${opts.billing}`);
      const from = opts.from ?? new Date().toISOString().slice(0, 10);
      try {
        const row = await writeAndPublish(opts, (work) =>
          setPrice(work, {
            skuPartNumber: sku,
            monthly: opts.monthly,
            currency: opts.currency,
            from,
            tenantId: opts.tenant ?? null,
            billing: opts.billing as Billing,
            source: opts.source ?? null,
          }),
        );
        process.stdout.write(
          `${row.skuPartNumber}: ${row.currency} ${row.unitPriceMonthly} per user per month (${row.billing}) from ${row.effectiveFrom}, ${row.tenantId ? `tenant ${row.tenantId}` : 'all tenants'}.\n`,
        );
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
    });
}

/** prices list: what each held SKU is charged at, or every stored price. */
function registerPriceList(prices: Command): void {
  prices
    .command('list')
    .description('the price each held SKU is charged at and its level (contract, tenant, admin, list); --all: every stored price')
    .option('--tenant <tenant>', "only this tenant (with --all: this tenant's prices and the all-tenant ones)")
    .option('--all', 'every stored price with its level (list: shipped data/prices.csv; admin: yours for all tenants; tenant: yours for one)')
    .option('--db <file>', 'published warehouse file')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (opts: ReadOptions & { all?: boolean }) => {
      const format = parseFormat(opts.format);
      const file = dbPaths(opts).published;
      if (opts.all) {
        const where = opts.tenant ? `WHERE tenant_id IS NULL OR tenant_id = ${sqlText(opts.tenant)}` : '';
        const result = await queryPublished(
          file,
          `SELECT coalesce(tenant_id, '(all)') AS tenant, sku_part_number, ${LEVEL_SQL} AS level, currency, unit_price_monthly, billing,
                  effective_from, effective_to, source
           FROM prices ${where} ORDER BY sku_part_number, tenant_id NULLS FIRST, coalesce(list_price, false) DESC, billing, effective_from`,
        );
        process.stdout.write(formatRows(result, format));
        return;
      }
      // What the money views charge today: the highest level that has a price for the SKU on the latest snapshot.
      const tenant = opts.tenant ? `AND tenant_id = ${sqlText(opts.tenant)}` : '';
      const result = await queryPublished(
        file,
        `SELECT tenant_id, sku_part_number, product_name, price_source AS level, currency, unit_price_monthly, billing, paid_seats, annual_spend
         FROM license_spend WHERE unit_price_monthly IS NOT NULL ${tenant} ORDER BY tenant_id, sku_part_number`,
      );
      process.stdout.write(formatRows(result, format));
      if (result.rows.length === 0 && format === 'table')
        process.stderr.write('No priced SKU held on the latest snapshot: `prices list --all` shows the stored prices, `prices missing` the unpriced SKUs.\n');
    });
}

/** prices missing: the held SKUs without a price. */
function registerPriceMissing(prices: Command): void {
  prices
    .command('missing')
    .description('SKUs of the latest snapshot without a price on its date (their spend shows as NULL)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--db <file>', 'published warehouse file')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (opts: ReadOptions) => {
      const tenant = opts.tenant ? `AND tenant_id = ${sqlText(opts.tenant)}` : '';
      const result = await queryPublished(
        dbPaths(opts).published,
        `SELECT tenant_id, sku_part_number, product_name, purchased, assigned, snapshot_date
         FROM license_spend WHERE unit_price_monthly IS NULL ${tenant} ORDER BY tenant_id, purchased DESC, sku_part_number`,
      );
      process.stdout.write(formatRows(result, parseFormat(opts.format)));
    });
}
