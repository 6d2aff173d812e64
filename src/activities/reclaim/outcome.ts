// What a reclamation removed, as Temporal recorded it: the completed run's result (pinned to its run id), read by
// the worker's own Temporal client, never the published warehouse (analysts can read it, and a copy can be edited).
// What it shows the approver is informative: the result is only as honest as the pollers that answered that run's
// activities, so the restore's assign activity puts back only what the signed removal receipt lists.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ReclaimState } from '../../workflows/reclaim/messages';
import type { LicenseRef } from './licences';

export type ReclaimOutcome =
  /** `receipt`: the removal's signed receipt; the restore's assign activity verifies it and restores only what it lists. */
  | { ok: true; runId: string; userId: string; licenses: LicenseRef[]; receipt: string }
  | { ok: false; problem: 'not_a_reclamation' | 'no_such_reclamation' | 'not_completed' | 'user_mismatch' | 'nothing_removed' | 'no_receipt' };

const ID = /^reclaim-(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function createReclaimOutcomeActivities() {
  return {
    async readReclaimOutcome(input: { tenantId: string; reclaimWorkflowId: string; runId?: string }): Promise<ReclaimOutcome> {
      const m = ID.exec(input.reclaimWorkflowId);
      if (!m || m[1] !== input.tenantId) return { ok: false, problem: 'not_a_reclamation' };
      const userId = m[2]!.toLowerCase();
      const client = Context.current().client;
      let runId: string;
      try {
        const d = await client.workflow.getHandle(input.reclaimWorkflowId, input.runId).describe();
        if (d.type !== 'reclaimLicenses') return { ok: false, problem: 'not_a_reclamation' };
        if (d.status.name !== 'COMPLETED') return { ok: false, problem: 'not_completed' };
        runId = d.runId;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { ok: false, problem: 'no_such_reclamation' };
        throw err;
      }
      const state = (await client.workflow.getHandle(input.reclaimWorkflowId, runId, { followRuns: false }).result()) as ReclaimState;
      if (state.userId.toLowerCase() !== userId || state.tenantId !== input.tenantId) return { ok: false, problem: 'user_mismatch' };
      if (state.dryRun || state.removed.length === 0 || (state.status !== 'executed' && state.status !== 'needs_group_change')) return { ok: false, problem: 'nothing_removed' };
      // A reclamation finished before removals carried receipts cannot be undone by the tool: nothing proves what went.
      if (!state.receipt) return { ok: false, problem: 'no_receipt' };
      return { ok: true, runId, userId, licenses: state.removed.map((skuId) => ({ skuId, disabledPlans: state.disabledPlans[skuId] ?? [] })), receipt: state.receipt };
    },
  };
}
