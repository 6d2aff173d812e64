// `m365-license run [--tenant T] [--wait] [--force] [--date D] [--json]`: start a dailySync now.
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { pickTenant } from '../tenants';
import { parseSnapshotDateOption } from './date-option';
import { warnFutureSnapshots } from './drop-future';
import { UsageError } from './usage-error';
import { followRun, progressLine, startDailySync, summaryLines } from './start-daily';
import { withTemporalClient } from './temporal-connection';
import { todayUtc } from '../shared/snapshot-date';

interface RunOptions {
  tenant?: string;
  wait?: boolean;
  force?: boolean;
  date?: string;
  period: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start a dailySync now; with --wait, follow its progress and print the summary')
    .option('--tenant <tenant>', 'tenant id or name (default: the only one configured)')
    .option('--wait', 'follow progress until the run ends')
    .option('--force', 'run a date again even if it completed (the load is idempotent per date)')
    .option('--date <YYYY-MM-DD>', 'snapshot date (default: today, UTC)')
    .option('--period <D7|D30|D90|D180>', 'usage report period', 'D30')
    .option('--json', 'machine-readable output: one JSON object')
    .option('--quiet', 'no progress display')
    .action(async (opts: RunOptions) => {
      const snapshotDate = opts.date === undefined ? todayUtc() : parseSnapshotDateOption(opts.date);
      const config = parseConfig();
      const tenantId = pickTenant(config, opts.tenant);
      if (!['D7', 'D30', 'D90', 'D180'].includes(opts.period)) throw new UsageError(`--period must be D7, D30, D90 or D180`);
      // A future day already in the warehouse poses as the newest: say so, with the command that removes it.
      await warnFutureSnapshots(config.dbPath);
      await withTemporalClient(config, async (client) => {
        const handle = await startDailySync(
          client,
          {
            tenantId,
            snapshotDate,
            reportPeriod: opts.period as 'D30',
            keepRuns: config.keepRuns,
            needReclaim: config.reclaimEnabled,
          },
          { force: opts.force, taskQueue: config.taskQueue },
        );
        if (!opts.wait) {
          if (opts.json) process.stdout.write(`${JSON.stringify({ workflowId: handle.workflowId, runId: (handle as { firstExecutionRunId?: string }).firstExecutionRunId })}\n`);
          else process.stdout.write(`Started ${handle.workflowId}\n`);
          return;
        }
        const live = !opts.json && !opts.quiet;
        const tty = process.stderr.isTTY;
        let last = '';
        const result = await followRun(handle, (p) => {
          if (!live) return;
          const line = progressLine(p);
          if (tty) process.stderr.write(`\r\x1b[2K${line}`);
          else if (line.replace(/\| \d+ s$/, '') !== last.replace(/\| \d+ s$/, '')) process.stderr.write(`${line}\n`);
          last = line;
        }).finally(() => {
          if (live && tty) process.stderr.write('\n');
        });
        if (opts.json) process.stdout.write(`${JSON.stringify({ workflowId: handle.workflowId, ...result })}\n`);
        else process.stdout.write(`${summaryLines(result).join('\n')}\n`);
      });
    });
}
