// `m365-license schedule create|describe|pause|unpause|trigger|delete`: the daily schedule per tenant.
import type { Command } from 'commander';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { parseConfig, type AppConfig } from '../config';
import { dailyScheduleId, scheduledDailyWorkflowId, TASK_QUEUE } from '../shared/names';
import { listTenantIds, pickTenant, resolveTenant } from '../tenants';
import { scheduledDailySync } from '../workflows';
import { withTemporalClient } from './temporal-connection';
import { UsageError } from './usage-error';

export function parseAt(at: string): { hour: number; minute: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(at);
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || hour > 23 || minute > 59) throw new UsageError(`--at must be HH:MM (UTC), got ${at}`);
  return { hour, minute };
}

/** `--jitter` in minutes: a whole number from 0 (every run at the exact time) to a day. */
export function parseJitterMinutes(text: string): number {
  const minutes = Number(text);
  if (!/^\d+$/.test(text.trim()) || minutes > 24 * 60) throw new UsageError(`--jitter must be whole minutes from 0 to 1440, got ${text}`);
  return minutes;
}

export async function createDailySchedule(
  client: Client,
  config: AppConfig,
  tenantId: string,
  at: string,
  options: { taskQueue?: string; jitterMinutes?: number } = {},
): Promise<string> {
  const { hour, minute } = parseAt(at);
  const scheduleId = dailyScheduleId(tenantId);
  const jitterMinutes = options.jitterMinutes ?? config.scheduleJitterMinutes;
  await client.schedule.create({
    scheduleId,
    spec: {
      calendars: [{ hour, minute, comment: `daily at ${at} UTC` }],
      // Each schedule starts at a random moment of this window after `at` (the server picks it per schedule and
      // time), so many tenants at one time do not all walk Graph and reach the writer in the same second. The run
      // still files its snapshot under the day of `at`.
      jitter: jitterMinutes * 60_000,
    },
    action: {
      type: 'startWorkflow',
      workflowType: scheduledDailySync,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      workflowId: scheduledDailyWorkflowId(tenantId),
      args: [{ tenantId, keepRuns: config.keepRuns, needReclaim: config.reclaimEnabled }],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // A server that was down at 02:00 still runs the day's job when it comes back within the day.
      catchupWindow: '1 day',
      pauseOnFailure: false,
    },
  });
  return scheduleId;
}

const tenantsFor = (config: AppConfig, tenant?: string, all?: boolean): string[] => (all ? listTenantIds(config) : [pickTenant(config, tenant)]);

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('manage the daily schedule m365-daily-<tenant>');
  const common = (cmd: Command) => cmd.option('--tenant <tenant>', 'tenant id or name (default: the only one configured)').option('--all', 'every configured tenant');

  common(schedule.command('create').description('create the daily schedule (overlap SKIP, one-day catch-up window)'))
    .option('--at <HH:MM>', "time of day, UTC (default 02:00, or the tenant entry's schedule)")
    .option('--jitter <minutes>', 'start each run at a random moment this many minutes after --at (default M365_SCHEDULE_JITTER_MINUTES, 30)')
    .action(async (opts: { tenant?: string; all?: boolean; at?: string; jitter?: string }) => {
      const config = parseConfig();
      const jitterMinutes = opts.jitter === undefined ? config.scheduleJitterMinutes : parseJitterMinutes(opts.jitter);
      await withTemporalClient(config, async (client) => {
        for (const tenantId of tenantsFor(config, opts.tenant, opts.all)) {
          const at = opts.at ?? (config.tenantsFile ? resolveTenant(config, tenantId).schedule : undefined) ?? '02:00';
          const id = await createDailySchedule(client, config, tenantId, at, { taskQueue: config.taskQueue, jitterMinutes });
          process.stdout.write(`Created schedule ${id} (daily at ${at} UTC${jitterMinutes ? `, starting within ${jitterMinutes} min after` : ''})\n`);
        }
      });
    });

  common(schedule.command('describe').description('show the schedule, its next runs and recent actions'))
    .option('--json', 'machine-readable output')
    .action(async (opts: { tenant?: string; all?: boolean; json?: boolean }) => {
      const config = parseConfig();
      await withTemporalClient(config, async (client) => {
        for (const tenantId of tenantsFor(config, opts.tenant, opts.all)) {
          const d = await client.schedule.getHandle(dailyScheduleId(tenantId)).describe().catch(notFound(tenantId));
          const summary = {
            scheduleId: d.scheduleId,
            paused: d.state.paused,
            note: d.state.note,
            nextActionTimes: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
            recentActions: d.info.recentActions.map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
            overlap: d.policies.overlap,
            catchupWindowMs: d.policies.catchupWindow,
            jitterMs: d.spec.jitter ?? 0,
          };
          if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
          else
            process.stdout.write(
              `${summary.scheduleId}: ${summary.paused ? 'PAUSED' : 'active'}; next ${summary.nextActionTimes.join(', ') || '-'}; ` +
                `${summary.recentActions.length} recent action(s); overlap ${summary.overlap}; jitter ${Math.round(summary.jitterMs / 60_000)} min\n`,
            );
        }
      });
    });

  const simple = (name: string, description: string, act: (h: ReturnType<Client['schedule']['getHandle']>) => Promise<void>, done: string) =>
    common(schedule.command(name).description(description)).action(async (opts: { tenant?: string; all?: boolean }) => {
      const config = parseConfig();
      await withTemporalClient(config, async (client) => {
        for (const tenantId of tenantsFor(config, opts.tenant, opts.all)) {
          await act(client.schedule.getHandle(dailyScheduleId(tenantId))).catch(notFound(tenantId));
          process.stdout.write(`${done} ${dailyScheduleId(tenantId)}\n`);
        }
      });
    });
  simple('pause', 'pause the schedule', (h) => h.pause('paused from the m365-license CLI'), 'Paused');
  simple('unpause', 'resume the schedule', (h) => h.unpause('resumed from the m365-license CLI'), 'Resumed');
  simple('trigger', 'start the scheduled action now', (h) => h.trigger(), 'Triggered');
  simple('delete', 'delete the schedule', (h) => h.delete(), 'Deleted');
}

function notFound(tenantId: string) {
  return (err: unknown): never => {
    if (err instanceof ScheduleNotFoundError) {
      throw new Error(`No schedule ${dailyScheduleId(tenantId)}: create it with \`m365-license schedule create --tenant ${tenantId}\`.`, { cause: err });
    }
    throw err;
  };
}
