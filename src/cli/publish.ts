// `m365-license publish [--db FILE] [--work-db FILE]`: republish the working database without loading anything.
// Opening the writer recreates the models, whose views name the history directory by absolute path: after the
// data directory moved (or was mounted elsewhere), this makes the published file point at the new place.
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { closeWarehouse, publish, withWriter } from '../warehouse/index';
import { findFutureSnapshots, futureSnapshotWarnings } from '../warehouse/history/future';
import { safeText } from './output/sanitize';
import { UsageError } from './usage-error';

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('republish the working database (e.g. after moving the data directory); no data is loaded')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--work-db <file>', 'private working database (default: <dataDir>/work/m365.duckdb)')
    .action(async (opts: { db?: string; workDb?: string }) => {
      const config = parseConfig();
      const published = path.resolve(opts.db ?? config.dbPath);
      const workDbPath = path.resolve(opts.workDb ?? config.workDbPath);
      if (published === workDbPath) throw new UsageError('--db and --work-db must be different files');
      try {
        const future = await withWriter(workDbPath, (conn) => findFutureSnapshots(conn));
        const pub = await publish(workDbPath, published);
        process.stdout.write(`Published ${published} (${pub.bytes} bytes, ${pub.ms} ms)\n`);
        for (const line of futureSnapshotWarnings(future)) process.stderr.write(`${safeText(line)}\n`);
      } finally {
        await closeWarehouse();
      }
    });
}
