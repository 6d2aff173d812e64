// `m365-license report [--tenant T] [--out FILE] [--db FILE]`: self-contained HTML from the published warehouse.
// Beside the warehouse (the default), the same layout the pipeline keeps: reports/<tenant-id>.html per tenant and
// report.html, the fleet's page linking them. With --out, one file with the chosen tenant (or every tenant).
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { isDirectoryId, writeAllBesidePublished, writeFleetIndexBesidePublished, writeReport, writeTenantReportBesidePublished } from '../report/index';
import { safeInline } from './output/sanitize';
import { UsageError } from './usage-error';

const openHint = (file: string) => `Open it in a browser: file://${encodeURI(file)}\n`;
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

async function besidePublished(db: string, tenant: string | undefined): Promise<string> {
  if (tenant !== undefined) {
    if (!isDirectoryId(tenant))
      throw new UsageError(`--tenant ${safeInline(tenant)} is not a directory id (a GUID), so it cannot name a report file beside the warehouse: add --out FILE.`);
    const r = await writeTenantReportBesidePublished(db, tenant);
    const index = await writeFleetIndexBesidePublished(db);
    return `Wrote ${safeInline(r.file)} (${kb(r.bytes)}) and the page of every tenant's report ${safeInline(index.file)}. ${openHint(r.file)}`;
  }
  const all = await writeAllBesidePublished(db);
  const skipped =
    all.skipped.length > 0 ? ` Skipped ${all.skipped.length} tenant id(s) that are not directory ids (${all.skipped.map(safeInline).join(', ')}): use --tenant ID --out FILE.` : '';
  const dir = path.dirname(all.reports[0]?.file ?? all.index.file);
  return `Wrote ${all.reports.length} tenant report${all.reports.length === 1 ? '' : 's'} in ${safeInline(dir)} and ${safeInline(all.index.file)}, which links them.${skipped} ${openHint(all.index.file)}`;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write HTML reports (utilisation, inactive users, activity, trend, spend, reclamations) that open from the file system')
    .option('--tenant <tenant>', 'only this tenant id (default: every tenant in the warehouse)')
    .option('--out <file>', 'one file with the report(s) (default: reports/<tenant-id>.html per tenant beside the published warehouse, and report.html linking them)')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .action(async (opts: { tenant?: string; out?: string; db?: string }) => {
      const db = path.resolve(opts.db ?? parseConfig().dbPath);
      if (!opts.out) {
        process.stdout.write(await besidePublished(db, opts.tenant));
        return;
      }
      const r = await writeReport(db, path.resolve(opts.out), { tenant: opts.tenant });
      process.stdout.write(`Wrote ${safeInline(r.file)} (${kb(r.bytes)}, ${r.tenants} tenant${r.tenants === 1 ? '' : 's'}). ${openHint(r.file)}`);
    });
}
