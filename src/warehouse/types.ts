// Public types of the warehouse module: what callers pass in and get back.
import type { AuditEvent, AuditOutcome } from '../shared/audit';

export interface LoadOptions {
  /** The private working database (never the published file). */
  workDbPath: string;
  stagingDir: string;
  /** Required when the staging directory has no manifest.json; must match it otherwise. */
  tenantId?: string;
  /** YYYY-MM-DD; default: the manifest's, else today (UTC). */
  snapshotDate?: string;
  runId?: string;
  /** Share of report rows with concealed UPNs above which the report counts as concealed (default 0.5). */
  concealedThreshold?: number;
  /** Called with each step's duration (benchmarks, diagnostics). */
  onStep?: (step: string, ms: number) => void;
  /** The published file: history files it still names are kept by the load's garbage collection. */
  publishedPath?: string;
  /** Days of history kept per tenant (M365_HISTORY_DAYS, default 730); 0 keeps everything. */
  historyDays?: number;
}

export const DEFAULT_HISTORY_DAYS = 730;

export interface AnonymizationVerdict {
  concealed: boolean;
  /** Share of report rows whose UPN is concealed (32-hex, no '@'). */
  ratio: number;
  rowsChecked: number;
  matchedToRoster: number;
  /** Oldest of the reports' refresh dates (YYYY-MM-DD), null when the reports are empty. */
  reportRefreshDate: string | null;
  stale: boolean;
}

/** publish_failed: the load committed to the working database, but analysts do not see it yet (publish failed). */
export type RunStatus = 'succeeded' | 'degraded' | 'failed' | 'publish_failed';

export interface LoadCounts {
  users: number;
  licensedUsers: number;
  skus: number;
  assignments: number;
  activityRows: number;
  suspiciousRows: number;
}

export interface LoadResult {
  runId: string;
  tenantId: string;
  snapshotDate: string;
  status: 'succeeded' | 'degraded';
  message: string;
  counts: LoadCounts;
  verdict: AnonymizationVerdict;
}

export interface RunRecord {
  runId: string;
  tenantId: string;
  snapshotDate?: string | null;
  status: RunStatus;
  message: string;
  /** ISO instants; finishedAt defaults to now. */
  startedAt?: string | null;
  finishedAt?: string | null;
  counts?: Partial<LoadCounts>;
  reportRefreshDate?: string | null;
  concealed?: boolean | null;
  concealedRatio?: number | null;
  stale?: boolean | null;
}

export interface ReclamationEvent {
  workflowId: string;
  tenantId: string;
  userId: string;
  /** One of the pairs named in src/shared/audit.ts (AUDIT): the workflows write `...AUDIT[entry]`. */
  event: AuditEvent;
  actor?: string | null;
  /** ISO instant or Date. (workflowId, event, at) identifies the event: writing it twice keeps one row. */
  at: string | Date;
  reason?: string | null;
  skus?: string[] | null;
  outcome?: AuditOutcome | null;
  detail?: string | null;
  /** Disabled plans per SKU before removal, kept so a removal can be undone; stored as JSON text. */
  disabledPlans?: unknown;
  /** The actor's UPN from their verified sign-in (`actor` is the object id). */
  actorUpn?: string | null;
  /** 'verified' (an Entra sign-in checked by the worker) or 'unverified' (the lab mode). */
  identity?: 'verified' | 'unverified' | null;
  /** The workflow run the event belongs to. */
  runId?: string | null;
}

export interface WarehouseSettings {
  /** Days without activity in any service before a licensed user is a candidate. */
  inactivityDays?: number;
  /** Days after a user's creation or newest licence assignment during which they are never a candidate. */
  graceDays?: number;
  /** A report refreshed more than this many days before the snapshot marks activity stale. */
  freshnessDays?: number;
  /** UPN glob patterns (`*`, `?`; case-insensitive) never proposed: break-glass and resource accounts. */
  excludeUpnPatterns?: string[];
  /** Group ids: users holding a licence inherited from one of them are never proposed. */
  excludeGroupIds?: string[];
  /** SKU part numbers whose licences are never reclaimed (a user holding only such licences is never proposed). */
  excludeSkuPartNumbers?: string[];
  /** Days a user is told before a reclamation removes their licences (0: at once); `reclaim request --notice-days` overrides. */
  noticeDays?: number;
  /** Hours a request waits for a decision before the approvers are reminded (0: never). */
  remindAfterHours?: number;
  /** Hours after the reminder before the escalation group is told (0: never). */
  escalateAfterHours?: number;
}

/**
 * The only definition of the thresholds' defaults: readSettings, the detect step and the `tenant_settings` model
 * (`{{ default_setting('…') }}`, expanded at every writer open) take them from here, so a changed default reaches
 * existing warehouses at their next open. The frozen migrations never read them.
 */
export const DEFAULT_SETTINGS: Readonly<Required<WarehouseSettings>> = {
  inactivityDays: 90,
  graceDays: 30,
  freshnessDays: 7,
  excludeUpnPatterns: [],
  excludeGroupIds: [],
  excludeSkuPartNumbers: [],
  noticeDays: 0,
  remindAfterHours: 48,
  escalateAfterHours: 72,
};
