// `m365-license report [--tenant T] [--out FILE] [--db FILE]`: one self-contained HTML file from the published warehouse.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { reportPathFor, writeReport } from '../report/index';
import { safeInline } from './output/sanitize';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write an HTML report (utilisation, inactive users, activity, trend, spend, reclamations) that opens from the file system')
    .option('--tenant <tenant>', 'only this tenant id (default: every tenant in the warehouse)')
    .option('--out <file>', 'where to write it (default: report.html beside the published warehouse)')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .action(async (opts: { tenant?: string; out?: string; db?: string }) => {
      const db = path.resolve(opts.db ?? parseConfig().dbPath);
      const out = path.resolve(opts.out ?? reportPathFor(db));
      const r = await writeReport(db, out, { tenant: opts.tenant });
      process.stdout.write(
        `Wrote ${safeInline(r.file)} (${Math.round(r.bytes / 1024)} KB, ${r.tenants} tenant${r.tenants === 1 ? '' : 's'}). Open it in a browser: file://${encodeURI(r.file)}\n`,
      );
    });
}
