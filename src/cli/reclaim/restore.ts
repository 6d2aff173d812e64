// `m365-license reclaim restore <id>`: ask to assign back exactly what a reclamation removed; another approver approves.
import type { Command } from 'commander';
import { parseConfig } from '../../config';
import { restoreWorkflowId } from '../../shared/names';
import { pickTenant } from '../../tenants';
import { personProofs, sealText, TOKEN_FILE_OPTION_HELP, TOKEN_OPTION_HELP } from './proof';
import { withTemporalClient } from '../temporal-connection';
import { startRestore, tenantOfWorkflowId } from './start';
import { UsageError } from '../usage-error';

export function registerRestore(reclaim: Command): void {
  reclaim
    .command('restore <id>')
    .description('ask to assign back exactly what a reclamation removed (as its result in Temporal records); another approver approves')
    .option('--reason <text>', 'why (stored in the audit trail only)')
    .option('--token <sealed>', `${TOKEN_OPTION_HELP} (default: sign in now)`)
    .option('--token-file <path>', TOKEN_FILE_OPTION_HELP)
    .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in')
    .option('--approval-timeout <duration>', 'how long to wait for a decision, e.g. 7d, 12h, 30m', '7d')
    .action(async (id: string, opts: { reason?: string; token?: string; tokenFile?: string; by?: string; approvalTimeout: string }) => {
      const config = parseConfig();
      const tenantId = pickTenant(config, tenantOfWorkflowId(id));
      if (!/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(opts.approvalTimeout)) throw new UsageError(`--approval-timeout must look like 7d, 12h, 30m or 45s, got ${opts.approvalTimeout}`);
      // Bound to the restore's own workflow id: a proof for the reclamation (or another restore) does not count.
      const requester = await personProofs(config, { token: opts.token, tokenFile: opts.tokenFile, by: opts.by, tenant: tenantId })(
        { purpose: 'request', workflowId: restoreWorkflowId(id) },
        `request restoring the licences ${id} removed`,
      );
      const reason = sealText(config, opts.reason);
      await withTemporalClient(config, async (client) => {
        const h = await startRestore(
          client,
          { tenantId, reclaimWorkflowId: id, requester, ...(reason ? { reason } : {}), approvalTimeout: opts.approvalTimeout.replace(/\s+/g, '') },
          { taskQueue: config.taskQueue },
        );
        process.stdout.write(`${h.workflowId}\n`);
        process.stderr.write(`waiting for another approver: reclaim status ${h.workflowId}, then reclaim approve ${h.workflowId}\n`);
      });
    });
}
