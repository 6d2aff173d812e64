// `m365-license drop-future-snapshots --tenant T [--apply]`: removes a tenant's snapshots dated after today, which a
// warehouse may hold from before loads refused them. Without --apply it only lists them; with it, removes them in one
// transaction and publishes. Only days beyond today (UTC) plus a day of slack are touched.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { closeWarehouse, openReadOnly, publish, withWriter } from '../warehouse/index';
import { dropFutureSnapshots, findFutureSnapshots, futureSnapshotWarnings, DROP_FUTURE_COMMAND, type FutureSnapshots } from '../warehouse/history/future';
import { historyRootFor } from '../warehouse/history/layout';
import { latestAcceptedDate } from '../shared/snapshot-date';
import { dbPaths } from './admin-db';
import { safeText } from './output/sanitize';
import { UsageError } from './usage-error';

export function registerDropFuture(program: Command): void {
  program
    .command(DROP_FUTURE_COMMAND)
    .description("remove a tenant's snapshots dated after today (lists them; --apply removes them and publishes)")
    .requiredOption('--tenant <tenantId>', 'the tenant id whose future snapshots to remove')
    .option('--apply', 'remove them (without it, nothing changes)')
    .option('--db <file>', 'published warehouse file (default: M365_DB or <dataDir>/m365.duckdb)')
    .option('--work-db <file>', 'private working database (default: <dataDir>/work/m365.duckdb)')
    .action(async (opts: { tenant: string; apply?: boolean; db?: string; workDb?: string }) => {
      if (!opts.tenant.trim()) throw new UsageError('--tenant needs the tenant id the warning named');
      const { published, workDbPath } = dbPaths(opts);
      const tenant = safeText(opts.tenant);
      try {
        const found = (await withWriter(workDbPath, (conn) => findFutureSnapshots(conn))).find((f) => f.tenantId === opts.tenant);
        if (!found) {
          process.stdout.write(`Tenant ${tenant} holds no snapshot dated after ${latestAcceptedDate()}: nothing to remove.\n`);
          return;
        }
        if (!opts.apply) {
          process.stdout.write(
            `Tenant ${tenant} holds snapshots dated after today: ${found.dates.join(', ')}. Nothing was changed; to remove them run:\n` +
              `  m365-license ${DROP_FUTURE_COMMAND} --tenant ${tenant} --apply\n`,
          );
          return;
        }
        const removed = await withWriter(workDbPath, (conn) => dropFutureSnapshots(conn, historyRootFor(workDbPath), opts.tenant));
        await publish(workDbPath, published);
        process.stdout.write(`Removed tenant ${tenant}'s snapshots ${removed.join(', ')} and published ${published}.\n`);
      } finally {
        await closeWarehouse();
      }
    });
}

/** Warns on stderr about future snapshots in the published file (read-only); silent when it does not exist yet. */
export async function warnFutureSnapshots(publishedPath: string): Promise<void> {
  if (!existsSync(publishedPath)) return;
  let found: FutureSnapshots[];
  try {
    const db = await openReadOnly(publishedPath);
    try {
      found = await findFutureSnapshots(db.connection);
    } finally {
      db.close();
    }
  } catch {
    return; // the run itself reports an unreadable warehouse; this check only adds a warning
  }
  for (const line of futureSnapshotWarnings(found)) process.stderr.write(`${safeText(line)}\n`);
}
