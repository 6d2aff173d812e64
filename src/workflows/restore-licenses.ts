// restoreLicenses: assigns back exactly the SKUs one reclamation removed, with the disabled plans they had,
// as read from that reclamation's audit row; the result is audited on the same reclamation's trail.
import { workflowInfo } from '@temporalio/workflow';
import { AUDIT } from '../shared/audit';
import { act, quick, warehouseFor } from './reclaim-activities';
import type { RestoreInput, RestoreResult } from './reclaim-messages';

export async function restoreLicenses(input: RestoreInput): Promise<RestoreResult> {
  const warehouse = warehouseFor(workflowInfo().taskQueue);
  await quick.reclaimPreflight({ tenantId: input.tenantId });
  const removal = await quick.readRemoval({ tenantId: input.tenantId, reclaimWorkflowId: input.reclaimWorkflowId });
  if (!removal) return { reclaimWorkflowId: input.reclaimWorkflowId, outcome: 'nothing_to_restore', skus: [] };
  const r = await act.assignBack({ tenantId: input.tenantId, userId: removal.userId, licenses: removal.licenses });
  const entry = r.outcome === 'restored' ? 'restored' : r.outcome === 'user_not_found' ? 'restoreUserNotFound' : 'restoreFailed';
  await warehouse.recordReclamation({
    workflowId: input.reclaimWorkflowId,
    tenantId: input.tenantId,
    userId: removal.userId,
    ...AUDIT[entry],
    actor: input.by,
    at: new Date().toISOString(),
    skus: removal.licenses.map((l) => l.skuId),
    detail: r.detail ?? null,
    disabledPlans: Object.fromEntries(removal.licenses.map((l) => [l.skuId, l.disabledPlans])),
  });
  return { reclaimWorkflowId: input.reclaimWorkflowId, outcome: r.outcome, skus: removal.licenses.map((l) => l.skuId), ...(r.detail ? { detail: r.detail } : {}) };
}
