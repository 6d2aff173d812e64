// Warehouse activities: every DuckDB write, served on the m365-license-warehouse queue with one slot.
// Each write is followed by a publish, so analysts see whole snapshots only.
import { createHash, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { openAuditText } from './approvals';
import { withHeartbeat } from './heartbeat';
import { loadStagingDir, publish, recordReclamationEvent, recordRun, type LoadResult, type ReclamationEvent, type RunRecord } from '../warehouse';

export interface WarehousePaths {
  workDbPath: string;
  dbPath: string;
  /** Opens the sealed actor UPN and reason/comment text of audit events (approvals.ts). */
  approvalKey?: () => KeyObject;
}

/** Audit text that crossed Temporal sealed (never readable in history): opened here, stored in the audit table. */
export interface SealedAuditText {
  actorUpn?: string;
  text?: string;
}

export function createWarehouseWriteActivities(paths: WarehousePaths) {
  return {
    /** Loads one staged run in one transaction (idempotent per tenant and date), then publishes. */
    async loadAndPublish(input: { stagingDir: string; tenantId: string; runId: string; snapshotDate: string }): Promise<LoadResult> {
      const result = await withHeartbeat(() => loadStagingDir({ workDbPath: paths.workDbPath, ...input }));
      const published = await withHeartbeat(() => publish(paths.workDbPath, paths.dbPath));
      Context.current().log.info('published', { tenantId: input.tenantId, snapshotDate: input.snapshotDate, ms: published.ms, bytes: published.bytes });
      return result;
    },

    /** Records a run that failed before or during the load; the previous snapshot stays published. */
    async recordFailedRun(run: RunRecord): Promise<void> {
      await recordRun(paths.workDbPath, { ...run, status: 'failed' });
      await publish(paths.workDbPath, paths.dbPath);
    },

    /**
     * Appends one reclamation audit event (idempotent per workflow, event and instant) and publishes. Sealed text
     * is opened here; unsealed text is never stored. Returns a reference to the row (for workflow history).
     */
    async recordReclamation(event: ReclamationEvent & { sealed?: SealedAuditText }): Promise<{ ref: string }> {
      const { sealed, ...row } = event;
      if (sealed && paths.approvalKey) {
        const key = paths.approvalKey();
        row.actorUpn = openAuditText(sealed.actorUpn, key);
        row.reason = openAuditText(sealed.text, key);
      }
      await recordReclamationEvent(paths.workDbPath, row);
      await publish(paths.workDbPath, paths.dbPath);
      return { ref: createHash('sha256').update(`${row.workflowId}|${row.event}|${String(row.at)}`).digest('hex').slice(0, 16) };
    },
  };
}
export type WarehouseWriteActivities = ReturnType<typeof createWarehouseWriteActivities>;

