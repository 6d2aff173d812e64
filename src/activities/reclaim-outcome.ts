// What a reclamation removed, as Temporal recorded it: the completed run's result (pinned to its run id), read by
// the worker's own Temporal client. Restore trusts this, never the published warehouse (analysts can read it, and a
// copy can be edited) nor anything the CLI passes in; the result's user must be the one the workflow id names.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ReclaimState } from '../workflows/reclaim-messages';
import type { LicenseRef } from './reclaim';

export type ReclaimOutcome =
  | { ok: true; runId: string; userId: string; licenses: LicenseRef[] }
  | { ok: false; problem: 'not_a_reclamation' | 'no_such_reclamation' | 'not_completed' | 'user_mismatch' | 'nothing_removed' };

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
      return { ok: true, runId, userId, licenses: state.removed.map((skuId) => ({ skuId, disabledPlans: state.disabledPlans[skuId] ?? [] })) };
    },
  };
}
