// What `reclaim status` adds from the published audit trail: the request's reason and the requester's UPN, which
// never travel through Temporal (only the audit table holds them). Read through the same lookup as the web inbox's
// audit trail (warehouse/lookup). Missing file or row: nothing is added.
import { withWarehouseLookup } from '../../warehouse/lookup/index';
import type { AnyReclaimState } from '../../workflows/reclaim/messages';

export interface RequestTexts {
  reason?: string;
  requesterUpn?: string;
}

export async function requestTexts(dbPath: string, s: AnyReclaimState): Promise<RequestTexts> {
  const workflowId = 'reclaimWorkflowId' in s ? s.reclaimWorkflowId : s.workflowId;
  const line = await withWarehouseLookup(dbPath, (lookup) => lookup.requestLine(workflowId, s.runId));
  return { ...(line?.text ? { reason: line.text } : {}), ...(line?.actorUpn ? { requesterUpn: line.actorUpn } : {}) };
}
