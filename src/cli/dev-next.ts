// The "Next" lines of the dev summary: the exact commands that take a new user from this run to an approved
// reclamation, in a second terminal that needs no exports (the dev environment file supplies them).
import path from 'node:path';
import type { AppConfig } from '../config';
import { reclaimWorkflowId } from '../shared/names';
import { queryPublished } from './query';

export interface NextContext {
  config: AppConfig;
  tenantId: string;
  keepRunning: boolean;
  simulated: boolean;
  /** The simulator's sign-in page and two of its people: one who requests, one in the approvers group. */
  signIn?: { url: string; requester: string; approver: string };
}

/** One directly licensed inactive user of the simulated tenant, so the commands below can be run as printed. */
async function exampleCandidate(config: AppConfig, tenantId: string): Promise<{ upn: string; userId: string } | undefined> {
  const r = await queryPublished(
    config.dbPath,
    `SELECT user_principal_name AS upn, user_id AS "userId" FROM inactive_licensed_users
     WHERE tenant_id = '${tenantId.replaceAll("'", "''")}' AND has_direct
     ORDER BY days_inactive DESC NULLS FIRST, user_id LIMIT 1`,
  );
  const row = r.rows[0];
  return row ? { upn: String(row.upn), userId: String(row.userId) } : undefined;
}

export async function nextLines(ctx: NextContext): Promise<string[]> {
  const cli = 'npx m365-license';
  const lines = ['\nNext:'];
  if (!ctx.keepRunning) {
    lines.push('  npm start -- --keep-running      keep the server, UI, worker and simulator up (Ctrl-C stops them),');
    lines.push('                                   then run the commands below in a second terminal:');
  } else {
    lines.push('  in a second terminal, from this directory (no exports needed while this one runs):');
  }
  const who = ctx.simulated ? await exampleCandidate(ctx.config, ctx.tenantId) : undefined;
  const user = who?.upn ?? '<a user from the list>';
  const id = who ? reclaimWorkflowId(ctx.tenantId, who.userId) : '<the id request printed>';
  const signIn = (who: string) => (ctx.signIn ? [`      sign in when asked: open ${ctx.signIn.url}, enter the code it prints, log in as ${who}`] : []);
  lines.push(
    `  ${cli} candidates                                   who is inactive and licensed`,
    `  ${cli} reclaim request --user ${user} --reason "inactive"`,
    ...signIn(ctx.signIn?.requester ?? ''),
    `  ${cli} reclaim list --state awaiting_approval       the approver's inbox`,
    `  ${cli} reclaim status ${id}     what goes, the run and the scope hash a decision binds to`,
    `  ${cli} reclaim approve ${id}`,
    ...signIn(ctx.signIn ? `${ctx.signIn.approver} (an approver; never the requester)` : ''),
    `  ${cli} reclaim status ${id}     executed: the licences are gone`,
    `  ${cli} query "SELECT event, actor, outcome, skus FROM reclamations ORDER BY at"`,
    `  ${cli} settings show                                 thresholds and exclusions (settings set --help)`,
    `  ${cli} report                                        then open ${path.join(path.dirname(ctx.config.dbPath), 'report.html')} in a browser`,
  );
  if (ctx.simulated) {
    lines.push('  set M365_TENANT_ID, M365_CLIENT_ID, M365_CLIENT_SECRET (an app with Directory.Read.All and Reports.Read.All,');
    lines.push('  admin-consented) to run against your tenant instead of the simulator; see docs/configuration.md.');
  }
  return lines;
}
