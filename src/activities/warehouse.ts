// Warehouse activities: every DuckDB write, served on the m365-license-warehouse queue. Writes run one at a time in
// the writer's queue (db/handles.ts) however many activities the worker runs; each ends with a publish covering it
// (shared with the writes committed alongside), so analysts see whole snapshots only.
import { createHash, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { openAuditText } from './reclaim/approvals';
import { callingRun, NotAuthorisedError, openReceipt, type Authoriser, type PersonProof } from '../identity/authorisation';
import type { AuditEvent } from '../shared/audit';
import { parseReclaimWorkflowId, parseRestoreWorkflowId } from '../shared/names';
import { Coalescer } from '../shared/coalesce';
import { withHeartbeat } from './heartbeat';
import { exportAfterRun, exportScheduled } from '../export';
import { openReportSession } from '../report';
import {
  loadStagingDir,
  markPublishFailed,
  publishCovering,
  recordReclamationEvent,
  recordRun,
  runStatus,
  withWriter,
  type LoadResult,
  type ReclamationEvent,
  type RunRecord,
} from '../warehouse';

export interface WarehousePaths {
  workDbPath: string;
  dbPath: string;
  /** M365_HISTORY_DAYS */
  historyDays?: number;
  /** Opens the sealed actor UPN and reason/comment text of audit events (reclaim/approvals.ts), and verifies receipts. */
  approvalKey?: () => KeyObject;
  /** Verifies the proofs behind a row that names a person; without it such rows are refused. */
  authoriser?: Authoriser;
}

/**
 * What proves the person or the effect an audit row names. The writer never takes `actor` or `identity` from the
 * row: it takes them from these, verified here, because the workflow's own verdicts may have come from any poller.
 */
export interface AuditClaim {
  /** The sealed proof of the person the row names: the request's, or the decision's. */
  proof?: PersonProof;
  /** With a decision's proof, the request's: an approver must be someone else than the requester. */
  requesterProof?: PersonProof;
  /** A row claiming an effect (executed, restored): the signed receipt of the activity that made it. */
  receipt?: string;
}

type Claim = 'request' | 'approve' | 'reject' | 'removed' | 'restored';

/** What a row claims, by its event (and outcome): rows that claim a decision or an effect must prove it. */
function claimOf(event: AuditEvent, outcome: string | null | undefined): Claim | undefined {
  switch (event) {
    case 'requested':
    case 'restore_requested':
      return 'request';
    case 'approved':
    case 'restore_approved':
      return 'approve';
    case 'rejected':
    case 'restore_rejected':
      return 'reject';
    case 'executed':
      // A dry run claims the approval, not a removal.
      return outcome === 'dry_run' ? 'approve' : 'removed';
    case 'restored':
      return 'restored';
    default:
      return undefined;
  }
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
      try {
        // Not done before analysts can see it: a run that succeeded is published. Loads committed meanwhile share it.
        await withHeartbeat(() => publishLogged(paths));
      } catch (err) {
        // The load is committed: record this run as loaded-but-unpublished, not as a success (a retry reloads it).
        await markPublishFailed(paths.workDbPath, result.runId, err);
        throw err;
      }
      if (afterPublish !== false) await withHeartbeat(() => reportAfter(paths, input.tenantId));
      return result;
    },

    /**
     * The run's tenant's HTML report beside the published file, the fleet's page of reports, and the export
     * (M365_EXPORT_DIR). Each written after this call covers what was published before it, so runs finishing
     * together share one: the same tenant's runs one report, the fleet's runs one page and one export. A task
     * scheduled before the tenant was passed (no input) gets the page and the export only.
     */
    async afterPublish(input?: { tenantId: string }): Promise<void> {
      await withHeartbeat(() => reportAfter(paths, input?.tenantId));
    },

    /** Records a run that failed before or during the load; the previous snapshot stays published. */
    async recordFailedRun(run: RunRecord): Promise<void> {
      // A committed load whose publish failed keeps its own row (publish_failed, with the load's counts).
      if ((await runStatus(paths.workDbPath, run.runId)) !== 'publish_failed') await recordRun(paths.workDbPath, { ...run, status: 'failed' });
      await publishLogged(paths);
    },

    /**
     * Appends one reclamation audit event (idempotent per workflow, event and instant) and publishes. Sealed text
     * is opened here; unsealed text is never stored. Returns a reference to the row (for workflow history).
     */
    async recordReclamation(event: ReclamationEvent & { sealed?: SealedAuditText } & AuditClaim): Promise<{ ref: string }> {
      const { sealed, proof, requesterProof, receipt, ...row } = event;
      if (sealed && paths.approvalKey) {
        const key = paths.approvalKey();
        row.actorUpn = openAuditText(sealed.actorUpn, key);
        row.reason = openAuditText(sealed.text, key);
      }
      try {
        await proveRow(paths, row, { proof, requesterProof, receipt });
      } catch (err) {
        if (err instanceof NotAuthorisedError) Context.current().log.warn('audit row refused: what it claims is not proven', { event: row.event, problem: err.problem });
        throw err;
      }
      await recordReclamationEvent(paths.workDbPath, row);
      await publishLogged(paths);
      return {
        ref: createHash('sha256')
          .update(`${row.workflowId}|${row.event}|${String(row.at)}`)
          .digest('hex')
          .slice(0, 16),
      };
    },
  };
}
/**
 * Checks a reclamation audit row against the run this task belongs to, and replaces its actor, actor UPN, identity
 * (and, for an effect, SKUs and plans) with what the proof or receipt says. A row claiming a decision or an effect
 * without a verifiable proof is refused (NotAuthorisedError, not retried): no row says someone decided who did not.
 */
async function proveRow(paths: WarehousePaths, row: ReclamationEvent, c: AuditClaim): Promise<void> {
  const run = callingRun();
  const restoreOf = parseRestoreWorkflowId(run.workflowId)?.reclaimWorkflowId;
  const named = parseReclaimWorkflowId(row.workflowId);
  if ((row.workflowId !== run.workflowId && row.workflowId !== restoreOf) || !named || named.tenantId !== row.tenantId || named.userId.toLowerCase() !== row.userId.toLowerCase()) {
    throw new NotAuthorisedError('row_for_another_workflow');
  }
  if (row.runId && row.runId !== run.runId) throw new NotAuthorisedError('row_for_another_run');
  row.runId = run.runId;
  const claim = claimOf(row.event, row.outcome) ?? (row.actor ? 'approve' : undefined);
  if (!claim) {
    // Names nobody: the identity column says only how this deployment checks people.
    row.actor = null;
    row.actorUpn = null;
    row.identity = paths.authoriser ? paths.authoriser.mode() : (row.identity ?? null);
    return;
  }
  if (!paths.authoriser || !paths.approvalKey) throw new NotAuthorisedError('cannot_verify');
  if (claim === 'removed' || claim === 'restored') {
    const r = openReceipt(c.receipt, paths.approvalKey());
    if (r.kind !== claim || r.workflowId !== run.workflowId || r.runId !== run.runId || r.tenantId !== row.tenantId || r.userId.toLowerCase() !== row.userId.toLowerCase()) {
      throw new NotAuthorisedError('receipt_not_for_this_row');
    }
    row.actor = r.approverId;
    row.actorUpn = null;
    row.identity = r.approverId.startsWith('unverified-') ? 'unverified' : 'verified';
    row.skus = r.licenses.map((l) => l.skuId);
    row.disabledPlans = Object.fromEntries(r.licenses.map((l) => [l.skuId, l.disabledPlans]));
    return;
  }
  const person =
    claim === 'request'
      ? await paths.authoriser.requester(row.tenantId, run, c.proof)
      : (await paths.authoriser.decision({ tenantId: row.tenantId, run, kind: claim, requester: c.requesterProof, decision: c.proof })).decider;
  row.actor = person.objectId;
  row.actorUpn = person.upn;
  row.identity = person.mode;
}

/**
 * A publish covering this activity's committed write, logged once per publish (`published`, with the writes it
 * covered and this process's publish count) by the first activity it served.
 */
async function publishLogged(paths: WarehousePaths): Promise<void> {
  const p = await publishCovering(paths.workDbPath, paths.dbPath);
  if (!p.first) return;
  const { ms, martsMs, martMs, bytes } = p.value;
  Context.current().log.info('published', { ms, martsMs, martMs, bytes, runs: p.served, publishes: p.runs });
}

/**
 * The jobs after a publish, each coalesced (src/shared/coalesce.ts) on its own key: the reports per published file
 * and tenant, the export per published file. A run waits for its own tenant's report, never for other tenants'
 * reports; the export covers the whole fleet, so one serves every run that asked before it began.
 */
const afterPublishJobs = new Map<string, Coalescer<void>>();

function coalesced(key: string, job: () => Promise<void>): Promise<unknown> {
  let writer = afterPublishJobs.get(key);
  if (!writer) {
    writer = new Coalescer(job);
    afterPublishJobs.set(key, writer);
  }
  return writer.request();
}

/**
 * The reports and the export, written after every publish before this call. They run in the writer's queue, so
 * their DuckDB memory never adds to a load's in this process. Each failure is logged, never thrown: the snapshot
 * itself is already safely published.
 */
async function reportAfter(paths: WarehousePaths, tenantId: string | undefined): Promise<void> {
  const { dbPath, workDbPath } = paths;
  const step = (key: string, job: () => Promise<void>) => coalesced(`${key}\0${dbPath}`, () => withWriter(workDbPath, job));
  await step(`reports\0${tenantId ?? ''}`, () => reportsAfter(dbPath, tenantId));
  // Unset (the default), the export costs no turn in the writer's queue.
  if (exportScheduled()) await step('export', () => exportAfter(dbPath));
}

/** The tenant's report and the fleet's page (cheap: no per-user read) from one read-only session. */
async function reportsAfter(dbPath: string, tenantId: string | undefined): Promise<void> {
  const log = Context.current().log;
  const failed = (what: string) => (err: unknown) =>
    log.warn(what, { error: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
  const since = (t: number) => Math.round(performance.now() - t);
  let started = performance.now();
  const session = await openReportSession(dbPath, { capped: true }).catch(failed('report not written'));
  if (!session) return;
  try {
    if (tenantId !== undefined) {
      const report = await session.writeTenant(tenantId).catch(failed('report not written'));
      if (report) log.info('report written', { tenantId, bytes: report.bytes, ms: since(started) });
    }
    started = performance.now();
    const page = await session.writeIndex().catch(failed('report page not written'));
    if (page) log.info('report page written', { bytes: page.bytes, tenants: page.tenants, ms: since(started) });
  } finally {
    session.close();
  }
}

async function exportAfter(dbPath: string): Promise<void> {
  const log = Context.current().log;
  try {
    const started = performance.now();
    const manifest = await exportAfterRun(dbPath);
    if (manifest) log.info('views exported', { views: manifest.views.length, ms: Math.round(performance.now() - started) });
  } catch (err) {
    log.warn('export failed', { error: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
  }
}

export type WarehouseWriteActivities = ReturnType<typeof createWarehouseWriteActivities>;
