// `m365-license candidates [--inactive-days N] [--tenant T] [--format F] [--limit N | --all]`: reclamation candidates from the published warehouse.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { DEFAULT_SETTINGS, openReadOnly } from '../warehouse/index';
import { addListingOptions, listingOptions, type ListingFlags } from './output/listing';
import { renderQuery } from './output/render';
import { UsageError } from './usage-error';

interface CandidatesOptions extends ListingFlags {
  inactiveDays?: string;
  tenant?: string;
  db?: string;
  excluded?: boolean;
}

const sqlString = (v: string): string => `'${v.replaceAll("'", "''")}'`;

export function registerCandidates(program: Command): void {
  const cmd = program
    .command('candidates')
    .description(`list licensed users inactive for N days (default: the tenant setting, ${DEFAULT_SETTINGS.inactivityDays}), after grace period and exclusions`)
    .option('--inactive-days <n>', 'override the inactivity threshold for this listing')
    .option('--tenant <tenant>', 'only this tenant id')
    .option('--excluded', 'list the inactive users a rule kept off the list, and which rule')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)');
  addListingOptions(cmd).action(async (opts: CandidatesOptions) => {
    const render = listingOptions(opts);
    let days: number | undefined;
    if (opts.inactiveDays !== undefined) {
      days = Number(opts.inactiveDays);
      if (!Number.isInteger(days) || days < 0) throw new UsageError(`--inactive-days must be a whole number >= 0, got ${opts.inactiveDays}`);
    }
    const file = path.resolve(opts.db ?? parseConfig().dbPath);
    const inactive = days === undefined ? 'is_inactive' : `(days_inactive IS NULL OR days_inactive >= ${days})`;
    const where = [inactive, opts.excluded ? 'excluded_by IS NOT NULL' : 'excluded_by IS NULL'];
    if (opts.tenant) where.push(`tenant_id = ${sqlString(opts.tenant)}`);
    const columns = opts.excluded
      ? 'tenant_id, user_principal_name, user_id, account_enabled, days_inactive, sku_part_numbers, excluded_by'
      : 'tenant_id, user_principal_name, user_id, account_enabled, days_inactive, last_activity_date, sku_part_numbers, has_direct';
    const ro = await openReadOnly(file);
    try {
      // Streamed: 200k+ candidates at 1M users print without building one string.
      await renderQuery(
        ro.connection,
        `SELECT ${columns} FROM inactive_licensed_evaluation WHERE ${where.join(' AND ')}
         ORDER BY tenant_id, days_inactive DESC NULLS FIRST, user_principal_name`,
        render,
      );
    } finally {
      ro.close();
    }
  });
}
