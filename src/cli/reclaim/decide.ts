// `reclaim approve|reject <id>` for reclamations and restores: shows what is being decided, then sends a Workflow
// Update naming the run and the scope hash shown (or given with --scope, as `reclaim status` printed it), with the
// person's sealed sign-in. The answer is immediate: accepted, or refused with the reason. A decision on one that
// has already ended (a second approver, a retried command) is refused with how it ended, whether it had ended
// before the command read it or ended between that read and the update: never a Temporal error, nothing runs twice.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { parseConfig } from '../../config';
import { parseReclaimWorkflowId, parseRestoreWorkflowId } from '../../shared/names';
import { approveUpdate, rejectUpdate, reclaimStatusQuery, type DecisionInput, type DecisionVerdict, type AnyReclaimState } from '../../workflows/reclaim/messages';
import { readReclamation, type ReadOutcome } from './list';
import { personProofs, sealText, TOKEN_FILE_OPTION_HELP, TOKEN_OPTION_HELP } from './proof';
import { withTemporalClient } from '../temporal-connection';
import { UsageError } from '../usage-error';

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
  const what =
    'licenses' in s
      ? `assign back ${s.licenses.map((l) => l.skuId).join(', ') || 'nothing'} (removed by run ${s.sourceRunId ?? '?'})`
      : `remove ${s.scope.join(', ') || 'nothing'}${s.dryRun ? ' (DRY RUN)' : ''}`;
  return `${s.workflowId} run ${s.runId}: ${what} for user ${s.userId}; scope ${s.scopeHash}`;
}

interface DecideOptions {
  token?: string;
  tokenFile?: string;
  by?: string;
  scope?: string;
  comment?: string;
  reason?: string;
}

/** Why a decision on an ended reclamation or restore is refused: `already_finished: <outcome>`, with who decided. */
export function alreadyFinished(r: ReadOutcome, id: string): string | undefined {
  if (r.kind === 'ended') return `already_finished: ${r.failure.closedAs.toLowerCase()}; nothing changes (reclaim status ${id})`;
  if (r.kind === 'restore_result') return `already_finished: ${r.result.outcome}; nothing changes (reclaim status ${id})`;
  if (!r.closed) return undefined;
  const d = r.state.decision;
  const by = d ? ` (${d.kind === 'approve' ? 'approved' : 'rejected'} by ${d.by} at ${d.at})` : '';
  return `already_finished: ${r.state.status}${by}; nothing changes (reclaim status ${id})`;
}

/**
 * Sends one decision: reads the reclamation or restore (the result once closed, so no worker is needed), lets
 * `payloadFor` build the payload bound to the state read, and sends the update. Ended before or during that:
 * refused with how it ended (`alreadyFinished`). Running but not awaiting approval, or `reviewedScope` stale: an error.
 */
export async function submitDecision(
  client: Client,
  id: string,
  kind: 'approve' | 'reject',
  payloadFor: (s: AnyReclaimState) => Promise<DecisionInput>,
  reviewedScope?: string,
): Promise<DecisionVerdict> {
  const r = await readReclamation(client, id);
  const ended = alreadyFinished(r, id);
  if (ended) return { accepted: false, reason: ended };
  if (r.kind !== 'state') throw new Error(`${id} has no state to decide on.`);
  const s = r.state;
  if (s.status !== 'awaiting_approval') throw new Error(`${id} is ${s.status}, not awaiting approval: nothing to ${kind}.`);
  if (reviewedScope !== undefined && reviewedScope !== s.scopeHash)
    throw new Error(`The scope of ${id} is no longer the one you reviewed (${reviewedScope}): run reclaim status ${id} again.`);
  const payload = await payloadFor(s);
  try {
    return await client.workflow.getHandle(id).executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [payload] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { accepted: false, reason: (err.cause as Error | undefined)?.message ?? err.message };
    // Temporal answers "not found" for an execution that closed after the read (another decision ran to its end).
    if (err instanceof WorkflowNotFoundError) {
      const late = alreadyFinished(await readReclamation(client, id), id);
      if (late) return { accepted: false, reason: late };
    }
    throw err;
  }
}

async function decide(kind: 'approve' | 'reject', id: string, opts: DecideOptions): Promise<void> {
  const tenant = tenantOfDecisionId(id);
  if (opts.scope !== undefined && !/^[0-9a-f]{64}$/.test(opts.scope)) throw new UsageError('--scope takes the 64-hex scope hash `reclaim status` prints');
  const config = parseConfig();
  const proofs = personProofs(config, { ...opts, tenant });
  await withTemporalClient(config, async (client) => {
    const verdict = await submitDecision(
      client,
      id,
      kind,
      async (s) => {
        process.stderr.write(`${kind === 'approve' ? 'approving' : 'rejecting'} ${bindingLine(s)}\n`);
        // Bound to this decision of this run and scope: a copy cannot approve anything else (identity/proof.ts).
        const proof = await proofs({ purpose: kind, workflowId: id, runId: s.runId, scopeHash: s.scopeHash }, `${kind} ${bindingLine(s)}`);
        const text = sealText(config, kind === 'approve' ? opts.comment : opts.reason);
        return { ...proof, runId: s.runId, scopeHash: s.scopeHash, ...(text ? { [kind === 'approve' ? 'comment' : 'reason']: text } : {}) };
      },
      opts.scope,
    );
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
      .option('--token <sealed>', `${TOKEN_OPTION_HELP} (default: sign in now)`)
      .option('--token-file <path>', TOKEN_FILE_OPTION_HELP)
      .option('--scope <hash>', 'the scope hash `reclaim status` showed you; refused if the scope changed since')
      .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in');
  common(reclaim.command('approve <id>').description('approve a reclamation or restore (an approvers-group member other than the requester)'))
    .option('--comment <text>', 'a note for the audit trail (stored there only)')
    .action((id: string, opts: DecideOptions) => decide('approve', id, opts));
  common(reclaim.command('reject <id>').description('reject a reclamation or restore: nothing changes'))
    .requiredOption('--reason <text>', 'why (stored in the audit trail only)')
    .action((id: string, opts: DecideOptions) => decide('reject', id, opts));
}
