// `m365-license savings [--tenant T] [--top N]`: annual spend, idle spend and savings per kind, each per currency
// (never added across currencies), then the largest opportunities. The dev summary prints the same totals.
import type { Command } from 'commander';
import { dbPaths, sqlText } from './admin-db';
import { formatRows, parseFormat, queryPublished } from './query';
import { UsageError } from './usage-error';

const KIND_ORDER = ['reclaim_inactive', 'reclaim_disabled', 'copilot_idle', 'remove_overlap', 'downgrade', 'reduce_unassigned'];

/** Lines of money totals for one tenant (or all): spend, idle spend, savings per kind, each with its currency. */
export async function spendSummaryLines(dbFile: string, tenantId?: string): Promise<string[]> {
  const where = tenantId ? `WHERE tenant_id = ${sqlText(tenantId)}` : '';
  const and = tenantId ? `AND tenant_id = ${sqlText(tenantId)}` : '';
  const spend = await queryPublished(
    dbFile,
    `SELECT currency, sum(annual_spend)::VARCHAR AS annual_spend,
            (sum(unassigned_annual_cost) + sum(inactive_annual_cost))::VARCHAR AS idle_spend,
            sum(unassigned_annual_cost)::VARCHAR AS unassigned, sum(inactive_annual_cost)::VARCHAR AS inactive
     FROM license_spend WHERE currency IS NOT NULL ${and} GROUP BY currency ORDER BY currency`,
  );
  const unpriced = await queryPublished(dbFile, `SELECT count(*)::INTEGER AS n FROM license_spend WHERE unit_price_monthly IS NULL ${and}`);
  const kinds = await queryPublished(
    dbFile,
    `SELECT kind, currency, count(*)::INTEGER AS opportunities, sum(seats)::INTEGER AS seats, sum(annual_saving)::VARCHAR AS annual_saving,
            count(*) FILTER (WHERE realizable = 'now')::INTEGER AS now
     FROM savings_opportunities ${where} GROUP BY kind, currency ORDER BY kind, currency NULLS LAST`,
  );
  const lines: string[] = [];
  if (spend.rows.length === 0) lines.push('  annual spend: no priced SKU (see `m365-license prices missing`)');
  for (const r of spend.rows) {
    lines.push(
      `  annual spend ${r.currency} ${String(r.annual_spend)}; idle ${r.currency} ${String(r.idle_spend)} (unassigned seats ${String(r.unassigned)}, inactive users ${String(r.inactive)})`,
    );
  }
  const n = Number(unpriced.rows[0]?.n ?? 0);
  if (n > 0) lines.push(`  ${n} SKU${n === 1 ? '' : 's'} without a price (money NULL): m365-license prices missing`);
  const sorted = [...kinds.rows].sort((a, b) => KIND_ORDER.indexOf(String(a.kind)) - KIND_ORDER.indexOf(String(b.kind)));
  for (const r of sorted) {
    const money = r.currency === null ? 'unpriced' : `${String(r.currency)} ${String(r.annual_saving)} a year`;
    lines.push(`  savings ${String(r.kind)}: ${money} (${String(r.opportunities)} opportunities, ${String(r.seats)} seats, ${String(r.now)} realizable now)`);
  }
  if (kinds.rows.length === 0) lines.push('  savings: none found');
  return lines;
}

export function registerSavings(program: Command): void {
  program
    .command('savings')
    .description('annual spend, idle spend and savings per kind and currency, then the largest opportunities')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--top <n>', 'how many opportunities to list', '15')
    .option('--kind <kind>', `only this kind (${KIND_ORDER.join(', ')})`)
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--format <format>', 'table, csv or json (the opportunities list)', 'table')
    .action(async (opts: { tenant?: string; top: string; kind?: string; db?: string; format?: string }) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a whole number >= 0, got ${opts.top}`);
      if (opts.kind && !KIND_ORDER.includes(opts.kind)) throw new UsageError(`--kind must be one of ${KIND_ORDER.join(', ')}`);
      const format = parseFormat(opts.format);
      const file = dbPaths(opts).published;
      const where = [opts.tenant ? `tenant_id = ${sqlText(opts.tenant)}` : '', opts.kind ? `kind = ${sqlText(opts.kind)}` : ''].filter(Boolean);
      const list = await queryPublished(
        file,
        `SELECT tenant_id, kind, user_principal_name, sku_part_number, seats, monthly_saving, annual_saving, currency, realizable, realizable_on, confidence, evidence
         FROM savings_opportunities ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY annual_saving DESC NULLS LAST, kind, user_principal_name LIMIT ${top}`,
      );
      if (format !== 'table') {
        process.stdout.write(formatRows(list, format));
        return;
      }
      process.stdout.write(`${(await spendSummaryLines(file, opts.tenant)).join('\n')}\n\nLargest opportunities:\n${formatRows(list, 'table')}`);
    });
}
