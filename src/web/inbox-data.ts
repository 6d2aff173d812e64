// What the inbox and history pages show, gathered at display time: ids and states from Temporal visibility (as
// `reclaim list`), each open reclamation's scope from its status query, and names, departments, product names and
// costs from the published warehouse through the same lookup as `reclaim status` (warehouse/lookup), so both show
// the same price for the same licence. Nothing here is written anywhere.
import type { Client } from '@temporalio/client';
import { listQuery, readReclamation } from '../cli/reclaim/list';
import { withWarehouseLookup, type AuditLine, type CandidateView, type LicenceView, type PersonName, type PersonView } from '../warehouse/lookup/index';
import { parseReclaimWorkflowId } from '../shared/names';
import { RECLAIM_STATE_ATTR, REQUESTER_ATTR, SCOPE_ATTR } from '../shared/search-attributes';
import { reclaimStatusQuery, type ReclaimState } from '../workflows/reclaim/messages';

export interface WebDeps {
  client: Client;
  tenantId: string;
  taskQueue: string;
  /** The published warehouse file (read-only). */
  dbPath: string;
}

/** Everyone a page names, by lower-case object id; an id the warehouse does not know has `known: false`. */
export type Names = Map<string, PersonName>;

export interface InboxRow {
  workflowId: string;
  userId: string;
  requesterId?: string;
  startedAt: string;
  user?: PersonName;
  /** The licences in scope with name and cost; undefined when the status query did not answer (no worker). */
  licences?: LicenceView[];
  names: Names;
}

const LIMIT = 200;

async function list(
  deps: WebDeps,
  query: string,
): Promise<{ workflowId: string; userId: string; requesterId?: string; startedAt: string; state?: string; skus?: number; closedAt?: string }[]> {
  const out = [];
  for await (const w of deps.client.workflow.list({ query })) {
    const parsed = parseReclaimWorkflowId(w.workflowId);
    if (!parsed) continue;
    const a = w.typedSearchAttributes;
    out.push({
      workflowId: w.workflowId,
      userId: parsed.userId,
      requesterId: a.get(REQUESTER_ATTR),
      startedAt: w.startTime.toISOString(),
      state: a.get(RECLAIM_STATE_ATTR),
      skus: a.get(SCOPE_ATTR),
      closedAt: w.closeTime?.toISOString(),
    });
    if (out.length === LIMIT) break;
  }
  return out;
}

async function scopeOf(client: Client, workflowId: string): Promise<string[] | undefined> {
  try {
    const s: ReclaimState = await client.workflow.getHandle(workflowId).query(reclaimStatusQuery);
    return s.scope;
  } catch {
    return undefined;
  }
}

/** Open reclamations awaiting approval, oldest first. */
export async function inboxRows(deps: WebDeps): Promise<InboxRow[]> {
  const query = `${listQuery({ taskQueue: deps.taskQueue, tenants: [deps.tenantId], state: 'awaiting_approval' })} AND ExecutionStatus = 'Running'`;
  const items = (await list(deps, query)).reverse();
  const scopes = await Promise.all(items.map((i) => scopeOf(deps.client, i.workflowId)));
  const skuIds = [...new Set(scopes.flatMap((s) => s ?? []).map((id) => id.toLowerCase()))];
  const { names, skus } = await withWarehouseLookup(deps.dbPath, async (lookup) => ({
    names: await lookup.names(deps.tenantId, [...new Set(items.flatMap((i) => [i.userId, ...(i.requesterId ? [i.requesterId] : [])]))]),
    skus: new Map((await lookup.licences(deps.tenantId, skuIds)).map((l) => [l.skuId, l])),
  }));
  return items.map((i, n) => ({
    workflowId: i.workflowId,
    userId: i.userId,
    startedAt: i.startedAt,
    names,
    ...(i.requesterId ? { requesterId: i.requesterId } : {}),
    ...(names.get(i.userId.toLowerCase())?.known ? { user: names.get(i.userId.toLowerCase())! } : {}),
    ...(scopes[n] ? { licences: scopes[n].map((id) => skus.get(id.toLowerCase())!) } : {}),
  }));
}

export interface HistoryRow {
  workflowId: string;
  userId: string;
  state: string;
  closedAt?: string;
  skus?: number;
  decision?: { kind: 'approve' | 'reject'; by: string; at: string };
  requesterId?: string;
}

/** Reclamations that have ended, newest first, with who decided (read from each one's result). */
export async function historyRows(deps: WebDeps, limit = 50): Promise<{ rows: HistoryRow[]; names: Names }> {
  const query = `${listQuery({ taskQueue: deps.taskQueue, tenants: [deps.tenantId], all: true })} AND ExecutionStatus != 'Running'`;
  const items = (await list(deps, query)).slice(0, limit);
  const rows: HistoryRow[] = [];
  for (const i of items) {
    let decision: HistoryRow['decision'];
    try {
      const r = await readReclamation(deps.client, i.workflowId);
      if (r.kind === 'state') decision = r.state.decision;
    } catch {
      // Shown without the decider: the row itself comes from visibility.
    }
    rows.push({
      workflowId: i.workflowId,
      userId: i.userId,
      state: i.state ?? '?',
      ...(i.closedAt ? { closedAt: i.closedAt } : {}),
      ...(i.skus !== undefined ? { skus: i.skus } : {}),
      ...(decision ? { decision } : {}),
      ...(i.requesterId ? { requesterId: i.requesterId } : {}),
    });
  }
  const ids = rows.flatMap((r) => [r.userId, ...(r.requesterId ? [r.requesterId] : []), ...(r.decision && /^[0-9a-f-]{36}$/.test(r.decision.by) ? [r.decision.by] : [])]);
  return { rows, names: await withWarehouseLookup(deps.dbPath, (lookup) => lookup.names(deps.tenantId, [...new Set(ids)])) };
}

/** What one request's page shows beside the workflow's ids. */
export interface RequestFacts {
  /** The person with every licence the state names, priced as `reclaim status` prices them. */
  person: PersonView;
  /** Why a candidate; null when the warehouse does not evaluate the person today. */
  candidate: CandidateView | null;
  /** Every licence the state names, by lower-case SKU id. */
  licences: Map<string, LicenceView>;
  /** The requester, the decider and everyone in the history and the audit trail. */
  names: Names;
  audit: AuditLine[];
}

/** What the request page shows beside the workflow's ids, in one look at the published warehouse. */
export function lookUpRequest(dbPath: string, s: ReclaimState): Promise<RequestFacts> {
  const skuIds = [...new Set([...s.scope, ...s.groupInherited.map((g) => g.skuId), ...s.notHeld, ...s.removed].map((id) => id.toLowerCase()))];
  return withWarehouseLookup(dbPath, async (lookup) => {
    const person = await lookup.person(s.tenantId, s.userId, skuIds);
    const audit = await lookup.auditTrail(s.workflowId);
    const people = [s.requesterId, s.decision?.by, ...s.events.map((e) => e.by), ...audit.map((a) => a.actor)].filter((x): x is string => Boolean(x));
    return {
      person,
      candidate: await lookup.candidate(s.tenantId, s.userId),
      licences: new Map(person.licences.map((l) => [l.skuId, l])),
      names: await lookup.names(s.tenantId, [...new Set(people)]),
      audit,
    };
  });
}
