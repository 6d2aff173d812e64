// Warehouse activities: every DuckDB write, served on the m365-license-warehouse queue with one slot.
// Each write is followed by a publish, so analysts see whole snapshots only.
import { createHash, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { openAuditText } from './approvals';
import { withHeartbeat } from './heartbeat';
import { exportAfterRun } from '../export';
import { writeReportBesidePublished } from '../report';
import {
  loadStagingDir,
  markPublishFailed,
  publish,
  recordReclamationEvent,
  recordRun,
  runStatus,
  type LoadResult,
  type ReclamationEvent,
  type RunRecord,
} from '../warehouse';

export interface WarehousePaths {
  workDbPath: string;
  dbPath: string;
  /** M365_HISTORY_DAYS */
  historyDays?: number;
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
    /**
     * Loads one staged run in one transaction (idempotent per tenant and date), then publishes. The report and
     * export follow in afterPublish when the workflow asks (`afterPublish: false`); runs started before that step
     * existed get them here.
     */
    async loadAndPublish(input: { stagingDir: string; tenantId: string; runId: string; snapshotDate: string; afterPublish?: boolean }): Promise<LoadResult> {
      const { afterPublish, ...run } = input;
      const log = Context.current().log;
      // Per step, so an operator (and the benchmark) sees where a slow load's time went.
      const steps: Record<string, number> = {};
      const onStep = (name: string, ms: number) => (steps[name] = Math.round(ms));
      const loadStarted = performance.now();
      const result = await withHeartbeat(() => loadStagingDir({ workDbPath: paths.workDbPath, publishedPath: paths.dbPath, historyDays: paths.historyDays, onStep, ...run }));
      log.info('loaded', { tenantId: input.tenantId, snapshotDate: input.snapshotDate, ms: Math.round(performance.now() - loadStarted), steps });
      let published: Awaited<ReturnType<typeof publish>>;
      try {
        published = await withHeartbeat(() => publish(paths.workDbPath, paths.dbPath));
      } catch (err) {
        // The load is committed: record this run as loaded-but-unpublished, not as a success (a retry reloads it).
        await markPublishFailed(paths.workDbPath, result.runId, err);
        throw err;
      }
      log.info('published', { tenantId: input.tenantId, snapshotDate: input.snapshotDate, ms: published.ms, martsMs: published.martsMs, martMs: published.martMs, bytes: published.bytes });
      if (afterPublish !== false) await writeAfterPublish(paths.dbPath);
      return result;
    },

    /** The HTML report beside the published file and the export (M365_EXPORT_DIR) of what was just published. */
    async afterPublish(): Promise<void> {
      await withHeartbeat(() => writeAfterPublish(paths.dbPath));
    },

    /** Records a run that failed before or during the load; the previous snapshot stays published. */
    async recordFailedRun(run: RunRecord): Promise<void> {
      // A committed load whose publish failed keeps its own row (publish_failed, with the load's counts).
      if ((await runStatus(paths.workDbPath, run.runId)) !== 'publish_failed') await recordRun(paths.workDbPath, { ...run, status: 'failed' });
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
/**
 * The HTML report beside the published file, and the export when M365_EXPORT_DIR asks for one. Both read the
 * file just published; a failure here is logged, not fatal: the snapshot itself is already safely published.
 */
async function writeAfterPublish(dbPath: string): Promise<void> {
  const log = Context.current().log;
  try {
    const started = performance.now();
    const report = await writeReportBesidePublished(dbPath);
    log.info('report written', { bytes: report.bytes, tenants: report.tenants, ms: Math.round(performance.now() - started) });
  } catch (err) {
    log.warn('report not written', { error: err instanceof Error ? err.name : 'Error' });
  }
  try {
    const manifest = await exportAfterRun(dbPath);
    if (manifest) log.info('views exported', { views: manifest.views.length });
  } catch (err) {
    log.warn('export failed', { error: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
  }
}

export type WarehouseWriteActivities = ReturnType<typeof createWarehouseWriteActivities>;

