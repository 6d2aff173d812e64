// `m365-license contracts import FILE.csv | list`: the admin's contracts (committed seats, term, price) per tenant.
import path from 'node:path';
import type { Command } from 'commander';
import { importContracts } from '../warehouse/index';
import { dbPaths, sqlText, writeAndPublish, type DbOptions } from './admin-db';
import { formatRows, parseFormat, queryPublished } from './query';

export function registerContracts(program: Command): void {
  const contracts = program.command('contracts').description('contracts kept by the admin: seats committed, term, price');
  contracts
    .command('import')
    .argument('<file>', 'CSV: tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing[,source]')
    .description('import a contracts CSV: all rows or none (overlapping terms, unknown SKUs, negative prices, bad billing values refuse the file)')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--work-db <file>', 'private working database (default: <dataDir>/work/m365.duckdb)')
    .action(async (file: string, opts: DbOptions) => {
      const r = await writeAndPublish(opts, (work) => importContracts(work, path.resolve(file)));
      process.stdout.write(`Imported ${r.rows} contract${r.rows === 1 ? '' : 's'} from ${file}.\n`);
    });
  contracts
    .command('list')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--db <file>', 'published warehouse file')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (opts: DbOptions & { tenant?: string; format?: string }) => {
      const where = opts.tenant ? `WHERE tenant_id = ${sqlText(opts.tenant)}` : '';
      const result = await queryPublished(
        dbPaths(opts).published,
        `SELECT tenant_id, commerce_subscription_id, sku_part_number, seats_committed, term_start, term_end, unit_price_monthly, currency, billing
         FROM contracts ${where} ORDER BY tenant_id, term_start`,
      );
      process.stdout.write(formatRows(result, parseFormat(opts.format)));
    });
}
