// The job `dev` runs once its server and worker are up: one dailySync, then what a new user should see.
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import type { SimulatorHandle } from '../simulator';
import { followRun, progressLine, startDailySync, summaryLines } from './start-daily';
import { formatRows, queryPublished } from './query';
import { nextLines } from './dev-next';
import { spendSummaryLines } from './savings';
import { todayUtc } from '../shared/snapshot-date';

export interface DevJobContext {
  client: Client;
  config: AppConfig;
  say: (line: string) => void;
  temporalAddress: string;
  temporalCli?: string;
  uiUrl?: string;
  simulator?: SimulatorHandle;
  /** `dev --keep-running`: the "Next" lines are for a second terminal while this one stays up. */
  keepRunning?: boolean;
}

/** Environment that points the pipeline at a running simulator (its CA is trusted explicitly). */
export function simulatorEnv(sim: SimulatorHandle, dataDir: string): NodeJS.ProcessEnv {
  return {
    M365_TENANT_ID: sim.tenantId,
    M365_CLIENT_ID: sim.clientId,
    M365_CLIENT_SECRET: sim.clientSecret,
    M365_AUTHORITY_HOST: sim.authorityHost,
    M365_GRAPH_URL: sim.graphUrl,
    M365_CA_FILE: sim.caFile,
    M365_DATA_DIR: dataDir,
    M365_APPROVAL_CLIENT_ID: sim.publicClientId,
    M365_APPROVERS_GROUP_ID: sim.approversGroupId,
  };
}

const EXAMPLES: Array<{ title: string; sql: string }> = [
  {
    title: 'Licenses bought, assigned and idle per SKU',
    sql: 'SELECT sku_part_number, product_name, purchased, assigned, available, round(utilization, 2) AS utilization FROM license_utilization ORDER BY assigned DESC LIMIT 10',
  },
  {
    title: 'Inactive licensed users (reclamation candidates), longest idle first',
    sql: 'SELECT user_principal_name, account_enabled, days_inactive, sku_part_numbers FROM inactive_licensed_users ORDER BY days_inactive DESC NULLS FIRST LIMIT 8',
  },
  {
    title: 'Who uses what: holders of each SKU active per service in the last 30 days',
    sql: 'SELECT sku_part_number, holders, active_any_30d, active_exchange_30d, active_outlook_30d, active_teams_30d, active_onedrive_30d FROM activity_by_license ORDER BY holders DESC LIMIT 8',
  },
];

export async function runDevJob(ctx: DevJobContext): Promise<void> {
  const { config, say } = ctx;
  const tenantId = config.tenantId!;
  const snapshotDate = todayUtc();
  say(`\nRunning dailySync for tenant ${tenantId} (${ctx.simulator ? `simulated, ${ctx.simulator.state.userCount} users` : 'your tenant'})...`);
  // dev is a demonstration: running the same day again is fine, the load is idempotent per date.
  const handle = await startDailySync(
    ctx.client,
    { tenantId, snapshotDate, keepRuns: config.keepRuns, needReclaim: config.reclaimEnabled },
    { force: true, taskQueue: config.taskQueue },
  );
  let last = '';
  const result = await followRun(handle, (p) => {
    const line = progressLine(p);
    if (line.replace(/\d+ s$/, '') !== last.replace(/\d+ s$/, '')) say(`  ${line}`);
    last = line;
  });
  say('');
  for (const line of summaryLines(result)) say(line);

  const totals = await queryPublished(
    config.dbPath,
    `SELECT (SELECT count(*) FROM inactive_licensed_users WHERE tenant_id = '${tenantId.replaceAll("'", "''")}')::INTEGER AS inactive_licensed_users`,
  );
  say(`  inactive licensed users: ${String(totals.rows[0]?.inactive_licensed_users ?? 0)}`);
  say('  money (prices: data/prices.csv list prices and whatever `m365-license prices|contracts import` added):');
  for (const line of await spendSummaryLines(config.dbPath, tenantId)) say(line);
  say('  details: m365-license savings');

  say(`\nThe warehouse: ${config.dbPath} (open it read-only; it is replaced atomically after each run)`);
  for (const ex of EXAMPLES) {
    say(`\n-- ${ex.title}\n$ m365-license query "${ex.sql}"`);
    say(formatRows(await queryPublished(config.dbPath, ex.sql), 'table').trimEnd());
  }
  say(`\nWorkflow: ${handle.workflowId}`);
  say(`  ${ctx.temporalCli ?? 'temporal'} workflow show --workflow-id ${handle.workflowId} --address ${ctx.temporalAddress}`);
  if (ctx.uiUrl) say(`  ${ctx.uiUrl}/namespaces/${config.temporalNamespace}/workflows/${encodeURIComponent(handle.workflowId)}`);
  const sim = ctx.simulator;
  const upnOf = (id: string) => sim!.state.userAt(sim!.state.indexOf(id)).userPrincipalName;
  const signIn = sim ? { url: `${sim.authorityHost}/devicelogin`, requester: upnOf(sim.state.directory.admins[0]!), approver: upnOf(sim.state.directory.admins[1]!) } : undefined;
  for (const line of await nextLines({ config, tenantId, keepRunning: ctx.keepRunning ?? false, simulated: Boolean(sim), signIn })) say(line);
}
