// `m365-license export --to DIR [--format csv|parquet] [--views a,b] [--db FILE]`: views as files for billing and BI.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { DEFAULT_EXPORT_VIEWS, EXPORT_FORMATS, exportViews, type ExportFormat } from '../export/index';
import { safeInline } from './output/sanitize';
import { jsonStringify } from './output/values';
import { UsageError } from './usage-error';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write warehouse views as CSV or Parquet files with a manifest.json (rows, sha256, snapshot date)')
    .requiredOption('--to <dir>', 'directory to write into (created if missing)')
    .option('--format <format>', 'csv or parquet', 'csv')
    .option('--views <list>', `comma-separated views (default: ${DEFAULT_EXPORT_VIEWS.join(', ')} when present)`)
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--json', 'print the manifest as JSON')
    .action(async (opts: { to: string; format: string; views?: string; db?: string; json?: boolean }) => {
      if (!EXPORT_FORMATS.includes(opts.format as ExportFormat)) throw new UsageError(`--format must be csv or parquet, got ${opts.format}`);
      const views = opts.views
        ?.split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (views && views.length === 0) throw new UsageError('--views needs at least one view name');
      const publishedPath = path.resolve(opts.db ?? parseConfig().dbPath);
      const { manifestPath, manifest } = await exportViews({ publishedPath, toDir: opts.to, format: opts.format as ExportFormat, views });
      if (opts.json) {
        process.stdout.write(`${jsonStringify(manifest)}\n`);
        return;
      }
      for (const v of manifest.views) process.stdout.write(`${safeInline(v.file)}: ${v.rows.toLocaleString('en-US')} rows\n`);
      process.stdout.write(`Manifest: ${safeInline(manifestPath)} (snapshot ${manifest.snapshot_date ?? 'none'})\n`);
    });
}
