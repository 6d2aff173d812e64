// What `reclaim status` adds from the published audit trail: the request's reason and the requester's UPN, which
// never travel through Temporal (only the audit table holds them). Missing file or row: nothing is added.
import { existsSync } from 'node:fs';
import { openReadOnly } from '../../warehouse/index';
import type { AnyReclaimState } from './decide';

export interface RequestTexts {
  reason?: string;
  requesterUpn?: string;
}

export async function requestTexts(dbPath: string, s: AnyReclaimState): Promise<RequestTexts> {
  if (!existsSync(dbPath)) return {};
  const workflowId = 'reclaimWorkflowId' in s ? s.reclaimWorkflowId : s.workflowId;
  try {
    const db = await openReadOnly(dbPath);
    try {
      const row = (
        await db.query(
          `SELECT reason, actor_upn FROM reclamations WHERE workflow_id = $1 AND run_id = $2 AND event IN ('requested', 'restore_requested') ORDER BY "at" DESC LIMIT 1`,
          [workflowId, s.runId],
        )
      ).rows[0];
      return { ...(row?.reason ? { reason: String(row.reason) } : {}), ...(row?.actor_upn ? { requesterUpn: String(row.actor_upn) } : {}) };
    } finally {
      db.close();
    }
  } catch {
    // The status comes from Temporal; the audit's text is a courtesy when the file is readable.
    return {};
  }
}
