// `m365-license import --from DIR [--db FILE] [--tenant T] [--date D]`: load a staging-layout directory into
// the working database and publish it, without Temporal.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { closeWarehouse, loadStagingDir, markPublishFailed, publish, recordRun, StagingError, type LoadResult } from '../warehouse/index';
import { readManifest } from '../warehouse/index';
import { parseSnapshotDateOption } from './date-option';
import { UsageError } from './usage-error';

interface ImportOptions {
  from: string;
  db?: string;
  workDb?: string;
  tenant?: string;
  date?: string;
  runId?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load a staging directory (users/page-*.json, subscribedSkus.json, reports/*.csv, manifest.json) and publish it')
    .requiredOption('--from <dir>', 'staging directory of one run')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--work-db <file>', 'private working database (default: <dataDir>/work/m365.duckdb)')
    .option('--tenant <tenant>', 'tenant id, when the directory has no manifest.json')
    .option('--date <YYYY-MM-DD>', 'snapshot date, when the directory has no manifest.json (default: today, UTC)')
    .option('--run-id <id>', "run id (default: the manifest's, else import-<tenant>-<date>)")
    .option('--json', 'print the result as one JSON object')
    .action(async (opts: ImportOptions) => {
      if (opts.date !== undefined) parseSnapshotDateOption(opts.date);
      const config = parseConfig();
      const from = path.resolve(opts.from);
      if (!existsSync(from) || !statSync(from).isDirectory()) throw new UsageError(`--from: not a directory: ${from}`);
      const published = path.resolve(opts.db ?? config.dbPath);
      const workDbPath = path.resolve(opts.workDb ?? config.workDbPath);
      if (published === workDbPath) throw new UsageError('--db and --work-db must be different files');
      let result: LoadResult | undefined;
      try {
        result = await loadStagingDir({
          workDbPath,
          stagingDir: from,
          tenantId: opts.tenant,
          snapshotDate: opts.date,
          runId: opts.runId,
          publishedPath: published,
          historyDays: config.historyDays,
        });
        const loaded = result;
        const pub = await publish(workDbPath, published).catch(async (err: unknown) => {
          // The load committed: mark its own run row, rather than recording a second, tenant-less failure.
          await markPublishFailed(workDbPath, loaded.runId, err).catch(() => undefined);
          throw err;
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...result, published, publishMs: pub.ms, publishedBytes: pub.bytes })}\n`);
        } else {
          const c = result.counts;
          const v = result.verdict;
          process.stdout.write(
            [
              `${result.status === 'degraded' ? 'DEGRADED' : 'Loaded'} ${result.tenantId} snapshot ${result.snapshotDate} (run ${result.runId})`,
              `  users ${c.users} (licensed ${c.licensedUsers}), SKUs ${c.skus}, licence assignments ${c.assignments}`,
              `  service activity rows ${c.activityRows}, unmatched report rows ${c.suspiciousRows}`,
              `  reports: refreshed ${v.reportRefreshDate ?? 'n/a'}${v.stale ? ' (STALE)' : ''}, concealed ${v.concealed ? 'YES' : 'no'} ` +
                `(${(v.ratio * 100).toFixed(1)}% of ${v.rowsChecked} rows), matched to roster ${v.matchedToRoster}`,
              `  ${result.message}`,
              `Published ${published} (${pub.bytes} bytes, ${pub.ms} ms)`,
              '',
            ].join('\n'),
          );
        }
      } catch (err) {
        // Options that contradict the manifest, or no tenant at all: the command was called wrongly (exit 2).
        if (err instanceof StagingError && /give the tenant id|given, but the staging manifest says/.test(err.message)) throw new UsageError(err.message, { cause: err });
        if (result) throw err;
        // Record the failure in the working database only: nothing of this run reaches the published file now.
        await recordRun(workDbPath, {
          runId: opts.runId ?? `import-failed-${new Date().toISOString()}`,
          tenantId: opts.tenant ?? manifestTenant(from) ?? 'unknown',
          snapshotDate: opts.date ?? null,
          status: 'failed',
          message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        }).catch(() => undefined);
        throw err;
      } finally {
        await closeWarehouse();
      }
    });
}

/** The manifest's tenant, if the manifest is readable (a failed load is recorded under it). */
function manifestTenant(dir: string): string | undefined {
  try {
    return readManifest(dir)?.tenantId;
  } catch {
    return undefined;
  }
}
