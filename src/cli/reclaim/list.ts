// The approver's inbox: `reclaim list` reads Temporal visibility (the custom search attributes the reclamation
// keeps up to date), and `reclaim status` of a closed reclamation answers from its result, so neither needs a
// worker. Only ids, states and counts come from visibility; the names beside them are looked up in the published
// warehouse when the list is shown.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Command } from 'commander';
import { parseConfig } from '../../config';
import { CUSTOM_SEARCH_ATTRIBUTES, RECLAIM_STATE_ATTR, REQUESTER_ATTR, SCOPE_ATTR, TENANT_ATTR, cliTypeOf } from '../../shared/search-attributes';
import { rootMessage } from '../../shared/errors';
import { parseReclaimWorkflowId } from '../../shared/names';
import { listTenantIds, pickTenant } from '../../tenants';
import { personLabel, withWarehouseLookup } from '../../warehouse/lookup/index';
import { safeInline, safeJson } from '../output/sanitize';
import { reclaimStatusQuery, type AnyReclaimState, type ReclaimState, type ReclaimStatusName, type RestoreResult } from '../../workflows/reclaim/messages';
import { withTemporalClient } from '../temporal-connection';
import { UsageError } from '../usage-error';

const STATES: readonly ReclaimStatusName[] = [
  'checking',
  'awaiting_approval',
  'notice_given',
  'rechecking',
  'removing',
  'executed',
  'dry_run',
  'rejected',
  'expired',
  'aborted',
  'needs_group_change',
  'user_not_found',
  'failed',
];

/** The server lacks the custom search attributes: `reclaim list` could not find anything, so requests are refused. */
export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
}

/**
 * Search attributes a reclamation starts with; the workflow upserts state, scope and the requester's object id
 * (once the worker has verified their sign-in) from then on.
 */
export function reclaimStartAttributes(tenantId: string): SearchAttributePair[] {
  return [
    { key: TENANT_ATTR, value: tenantId },
    { key: RECLAIM_STATE_ATTR, value: 'checking' },
  ];
}

/** Refuses early, with the command that fixes it, when the server has not registered our search attributes. */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const r = await client.connection.operatorService.listSearchAttributes({ namespace });
  const have = r.customAttributes ?? {};
  const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => !(a.name in have));
  if (missing.length === 0) return;
  const commands = missing.map((a) => `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${cliTypeOf(a.type)}`);
  throw new SearchAttributesMissingError(
    `The Temporal server does not know the search attributes reclamations are listed by (${missing.map((a) => a.name).join(', ')}). Register them once:\n  ${commands.join('\n  ')}`,
  );
}

const quote = (v: string): string => `'${v.replaceAll("'", "\\'")}'`;

export function listQuery(opts: { taskQueue: string; tenants: string[]; state?: string; requester?: string; all?: boolean }): string {
  const parts = [`WorkflowType = 'reclaimLicenses'`, `TaskQueue = ${quote(opts.taskQueue)}`];
  if (opts.tenants.length === 1) parts.push(`${TENANT_ATTR.name} = ${quote(opts.tenants[0]!)}`);
  else if (opts.tenants.length > 1) parts.push(`${TENANT_ATTR.name} IN (${opts.tenants.map(quote).join(', ')})`);
  if (opts.state) parts.push(`${RECLAIM_STATE_ATTR.name} = ${quote(opts.state)}`);
  if (opts.requester) parts.push(`${REQUESTER_ATTR.name} = ${quote(opts.requester.trim().toLowerCase())}`);
  if (!opts.all && !opts.state) parts.push(`ExecutionStatus = 'Running'`);
  return parts.join(' AND ');
}

export interface InboxItem {
  workflowId: string;
  tenantId?: string;
  /** The subject's object id (from the workflow id) and, looked up in the warehouse when listed, their name. */
  userId?: string;
  user?: string;
  /** The requester by name, when the warehouse knows them. */
  requester?: string;
  state?: string;
  skus?: number;
  requesterId?: string;
  startedAt: string;
  ageSeconds: number;
  closed: boolean;
}

export function inboxItem(w: WorkflowExecutionInfo, now = Date.now()): InboxItem {
  const a = w.typedSearchAttributes;
  return {
    workflowId: w.workflowId,
    tenantId: a.get(TENANT_ATTR),
    userId: parseReclaimWorkflowId(w.workflowId)?.userId.toLowerCase(),
    state: a.get(RECLAIM_STATE_ATTR),
    skus: a.get(SCOPE_ATTR),
    requesterId: a.get(REQUESTER_ATTR),
    startedAt: w.startTime.toISOString(),
    ageSeconds: Math.max(0, Math.round((now - w.startTime.getTime()) / 1000)),
    closed: w.status.name !== 'RUNNING',
  };
}

export function formatAge(seconds: number): string {
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`;
}

/** Adds the names of subjects and requesters, looked up in the published warehouse now (visibility holds ids only). */
export async function nameInboxItems(dbPath: string, items: InboxItem[]): Promise<string | null> {
  return withWarehouseLookup(dbPath, async (lookup) => {
    const tenants = [...new Set(items.flatMap((i) => (i.tenantId ? [i.tenantId] : [])))];
    for (const t of tenants) {
      const mine = items.filter((i) => i.tenantId === t);
      const names = await lookup.names(t, [...new Set(mine.flatMap((i) => [i.userId, i.requesterId].filter((x): x is string => Boolean(x))))]);
      for (const i of mine) {
        const u = i.userId ? names.get(i.userId) : undefined;
        const r = i.requesterId ? names.get(i.requesterId.toLowerCase()) : undefined;
        if (u?.known) i.user = safeInline(personLabel(u));
        if (r?.known) i.requester = safeInline(personLabel(r));
      }
    }
    return lookup.unavailable;
  });
}

function table(items: InboxItem[]): string {
  const rows = [['WORKFLOW ID', 'STATE', 'AGE', 'SKUS', 'USER', 'REQUESTER']];
  for (const i of items) {
    rows.push([i.workflowId, i.state ?? '?', formatAge(i.ageSeconds), i.skus === undefined ? '?' : String(i.skus), i.user ?? i.userId ?? '?', i.requester ?? i.requesterId ?? '?']);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerReclaimList(reclaim: Command): void {
  reclaim
    .command('list')
    .description("the approver's inbox: open reclamations (or those in --state) with age and scope, from Temporal visibility")
    .option('--state <state>', `only reclamations in this state (${STATES.join(', ')}); includes closed ones`)
    .option('--tenant <tenant>', 'tenant id or name (default: every configured tenant)')
    .option('--requested-by <objectId>', 'only requests by this person (their object id, as reclaim status shows it)')
    .option('--all', 'closed reclamations too')
    .option('--limit <n>', 'at most N rows (newest first)', '200')
    .option('--json', 'one JSON array')
    .action(async (opts: { state?: string; tenant?: string; requestedBy?: string; all?: boolean; limit: string; json?: boolean }) => {
      if (opts.state && !STATES.includes(opts.state as ReclaimStatusName)) throw new UsageError(`--state must be one of ${STATES.join(', ')}; got ${opts.state}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number >= 1, got ${opts.limit}`);
      const config = parseConfig();
      const tenants = opts.tenant ? [pickTenant(config, opts.tenant)] : listTenantIds(config);
      const query = listQuery({ taskQueue: config.taskQueue, tenants, state: opts.state, requester: opts.requestedBy, all: opts.all });
      await withTemporalClient(config, async (client) => {
        await ensureSearchAttributes(client, config.temporalNamespace);
        const items: InboxItem[] = [];
        let more = false;
        for await (const w of client.workflow.list({ query })) {
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(inboxItem(w));
        }
        const unavailable = await nameInboxItems(config.dbPath, items);
        if (opts.json) {
          process.stdout.write(`${safeJson(JSON.stringify(items))}\n`);
          return;
        }
        if (items.length === 0) {
          process.stdout.write(`No reclamations${opts.state ? ` in state ${opts.state}` : opts.all ? '' : ' open'}.\n`);
          return;
        }
        process.stdout.write(`${table(items)}\n${items.length}${more ? `+ (first ${limit}; --limit N for more)` : ''} reclamation(s)\n`);
        if (unavailable) process.stderr.write(`${unavailable}\n`);
      });
    });
}

export type ReadOutcome =
  { kind: 'state'; state: AnyReclaimState; closed: boolean } | { kind: 'restore_result'; result: RestoreResult } | { kind: 'ended'; failure: ClosedFailure };

/**
 * A reclamation's (or restore's) state: queried while it runs, read from its result once closed, so a finished
 * one needs no worker. One that ended without a result (failed, terminated, timed out) is described from
 * visibility and its failure.
 */
export async function readReclamation(client: Client, id: string): Promise<ReadOutcome> {
  const handle = client.workflow.getHandle(id);
  let described;
  try {
    described = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Error(`No reclamation or restore ${id}.`, { cause: err });
    throw err;
  }
  if (described.status.name === 'RUNNING') return { kind: 'state', state: (await handle.query(reclaimStatusQuery)) as AnyReclaimState, closed: false };
  if (described.status.name === 'COMPLETED') {
    const result: unknown = await handle.result();
    if (described.type === 'restoreLicenses') return { kind: 'restore_result', result: result as RestoreResult };
    return { kind: 'state', state: result as ReclaimState, closed: true };
  }
  let detail = described.status.name.toLowerCase();
  try {
    await handle.result();
  } catch (err) {
    detail = rootMessage(err);
  }
  const a = described.typedSearchAttributes;
  return {
    kind: 'ended',
    failure: {
      workflowId: id,
      closedAs: described.status.name,
      status: 'failed',
      tenantId: a.get(TENANT_ATTR),
      lastState: a.get(RECLAIM_STATE_ATTR),
      skus: a.get(SCOPE_ATTR),
      detail,
      closedAt: described.closeTime?.toISOString(),
    },
  };
}

/** What is known of a reclamation that ended without a result (failed, terminated, timed out, cancelled). */
export interface ClosedFailure {
  workflowId: string;
  closedAs: string;
  status: 'failed';
  tenantId?: string;
  lastState?: string;
  skus?: number;
  detail: string;
  closedAt?: string;
}

export function closedFailureLines(s: ClosedFailure): string[] {
  return [
    `${s.workflowId}: failed (workflow ${s.closedAs.toLowerCase()}${s.closedAt ? ` at ${s.closedAt}` : ''})`,
    `  tenant ${s.tenantId ?? '?'}; last state ${s.lastState ?? '?'}; licences in scope ${s.skus ?? '?'}`,
    `  detail: ${s.detail}`,
  ];
}
