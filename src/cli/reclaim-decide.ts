// `reclaim approve|reject <id>` for reclamations and restores: shows what is being decided, then sends a Workflow
// Update naming the run and the scope hash shown (or given with --scope, as `reclaim status` printed it), with the
// person's sealed sign-in. The answer is immediate: accepted, or refused with the reason.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { parseReclaimWorkflowId, parseRestoreWorkflowId } from '../shared/names';
import { approveUpdate, rejectUpdate, reclaimStatusQuery, type DecisionInput, type DecisionVerdict, type ReclaimState, type RestoreState } from '../workflows/reclaim-messages';
import { checkProofOptions, personProof, sealText } from './reclaim-proof';
import { withTemporalClient } from './temporal-connection';
import { UsageError } from './usage-error';

export type AnyReclaimState = ReclaimState | RestoreState;

/** The tenant of a reclamation or restore id; a usage error for anything else. */
export function tenantOfDecisionId(id: string): string {
  const reclaimId = parseRestoreWorkflowId(id)?.reclaimWorkflowId ?? id;
  const parsed = parseReclaimWorkflowId(reclaimId);
  if (!parsed) throw new UsageError(`Not a reclamation or restore id: ${id} (expected reclaim-<tenant>-<userObjectId> or restore-reclaim-…)`);
  return parsed.tenantId;
}

export async function queryState(client: Client, id: string): Promise<AnyReclaimState> {
  try {
    return (await client.workflow.getHandle(id).query(reclaimStatusQuery)) as AnyReclaimState;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Error(`No reclamation or restore ${id}.`, { cause: err });
    throw err;
  }
}

/** One line naming exactly what a decision binds to. */
export function bindingLine(s: AnyReclaimState): string {
  const what = 'licenses' in s ? `assign back ${s.licenses.map((l) => l.skuId).join(', ') || 'nothing'} (removed by run ${s.sourceRunId ?? '?'})` : `remove ${s.scope.join(', ') || 'nothing'}${s.dryRun ? ' (DRY RUN)' : ''}`;
  return `${s.workflowId} run ${s.runId}: ${what} for user ${s.userId}; scope ${s.scopeHash}`;
}

interface DecideOptions {
  token?: string;
  by?: string;
  scope?: string;
  comment?: string;
  reason?: string;
}

async function decide(kind: 'approve' | 'reject', id: string, opts: DecideOptions): Promise<void> {
  const tenant = tenantOfDecisionId(id);
  if (opts.scope !== undefined && !/^[0-9a-f]{64}$/.test(opts.scope)) throw new UsageError('--scope takes the 64-hex scope hash `reclaim status` prints');
  const config = parseConfig();
  checkProofOptions(config, opts);
  await withTemporalClient(config, async (client) => {
    const s = await queryState(client, id);
    if (s.status !== 'awaiting_approval') throw new Error(`${id} is ${s.status}, not awaiting approval: nothing to ${kind}.`);
    if (opts.scope !== undefined && opts.scope !== s.scopeHash) throw new Error(`The scope of ${id} is no longer the one you reviewed (${opts.scope}): run reclaim status ${id} again.`);
    process.stderr.write(`${kind === 'approve' ? 'approving' : 'rejecting'} ${bindingLine(s)}\n`);
    const proof = await personProof(config, { ...opts, tenant });
    const text = sealText(config, kind === 'approve' ? opts.comment : opts.reason);
    const payload: DecisionInput = { ...proof, runId: s.runId, scopeHash: s.scopeHash, ...(text ? { [kind === 'approve' ? 'comment' : 'reason']: text } : {}) };
    let verdict: DecisionVerdict;
    try {
      verdict = await client.workflow.getHandle(id).executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [payload] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) verdict = { accepted: false, reason: (err.cause as Error | undefined)?.message ?? err.message };
      else throw err;
    }
    if (verdict.accepted) process.stdout.write(`${kind === 'approve' ? 'approved' : 'rejected'}: ${id} (by ${verdict.approverId}); see reclaim status ${id}\n`);
    else {
      process.stdout.write(`refused: ${verdict.reason}\n`);
      process.exitCode = 1;
    }
  });
}

export function registerDecisions(reclaim: Command): void {
  const common = (c: Command) =>
    c
      .option('--token <sealed>', 'your sealed sign-in from `m365-license auth token` (default: sign in now)')
      .option('--scope <hash>', 'the scope hash `reclaim status` showed you; refused if the scope changed since')
      .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in');
  common(reclaim.command('approve <id>').description('approve a reclamation or restore (an approvers-group member other than the requester)'))
    .option('--comment <text>', 'a note for the audit trail (stored there only)')
    .action((id: string, opts: DecideOptions) => decide('approve', id, opts));
  common(reclaim.command('reject <id>').description('reject a reclamation or restore: nothing changes'))
    .requiredOption('--reason <text>', 'why (stored in the audit trail only)')
    .action((id: string, opts: DecideOptions) => decide('reject', id, opts));
}
