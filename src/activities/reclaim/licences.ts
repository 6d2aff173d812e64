// Reclamation activities: permission preflight, reading one user's licences (plus the published warehouse's
// activity and exclusions), the idempotent removal, and putting licences back. Only ids, SKU/plan ids, dates
// and short reasons are returned: the UPN read from Graph for the exclusion check never leaves the activity.
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { callingRun, NotAuthorisedError, openReceipt, signReceipt, type Authoriser, type CallingRun, type PersonProof, type ProvenPerson, type Receipt } from '../../identity/authorisation';
import { parseReclaimWorkflowId, parseRestoreWorkflowId } from '../../shared/names';
import { scopeHash } from '../../shared/scope-hash';
import { requireOperations } from '../../graph/preflight';
import { GraphBadRequestError, GraphNotFoundError, redactPersonalData } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import { exclusionFor, neverReclaimedSkuIds, openReadOnly, type ExclusionRule } from '../../warehouse';
import { DEFAULT_SETTINGS } from '../../warehouse/index';
import { DROP_FUTURE_COMMAND } from '../../warehouse/history/future';
import { isFutureSnapshotDate } from '../../shared/snapshot-date';
import { withActivityGraph, type GraphFactory } from '../graph-context';
import { memberGroups } from './group-membership';

export interface LicenseRef {
  skuId: string;
  disabledPlans: string[];
}

export interface ActivityBaseline {
  /** Newest activity over all services in the latest trusted snapshot (YYYY-MM-DD), null when never active. */
  lastActivityDate: string | null;
  /** The snapshot the value comes from; null when the warehouse has none for this user. */
  snapshotDate: string | null;
}

export interface UserInspection {
  exists: boolean;
  direct: LicenseRef[];
  groupInherited: { skuId: string; groupIds: string[] }[];
  /** Directly assigned SKU ids to remove (all, or those asked for). */
  scope: string[];
  notHeld: string[];
  /** SKUs in scope whose removal leaves the user without an Exchange Online mailbox plan. */
  mailboxSkus: string[];
  excludedBy: ExclusionRule | null;
  activity: ActivityBaseline;
  /** Against a baseline taken at the request: the latest snapshot shows newer activity. */
  activeSinceRequest: boolean;
  /**
   * Re-check only: why the warehouse facts cannot be trusted, so the reclamation must stop (fail closed) instead of
   * skipping the exclusion and activity checks: unreadable, its snapshot older than the freshness setting, or dated
   * after today (an age below zero would pass any freshness limit).
   */
  failClosed?: { reason: 'warehouse_unreadable' | 'snapshot_stale' | 'snapshot_in_future'; detail: string };
}

/** What the removal needs to verify, by itself, that it was authorised (the run comes from its own task). */
export interface RemovalRequest {
  tenantId: string;
  userId: string;
  /** The SKUs to remove now: within the approved scope (the re-check may have narrowed it). */
  skus: string[];
  /** The scope the approver reviewed: its hash is in the approval's binding. */
  approvedScope: string[];
  /** The sealed proofs as the workflow received them: the request's and the accepted approval's. */
  requester: PersonProof;
  approval: PersonProof;
}

export type RemovalResult =
  /** `receipt`: signed by the worker that removed (identity/authorisation.ts); what a restore may put back. */
  | { outcome: 'removed'; removed: string[]; alreadyRemoved: boolean; receipt: string }
  | { outcome: 'needs_group_change'; groupInherited: { skuId: string; groupIds: string[] }[]; detail?: string }
  | { outcome: 'user_not_found' }
  | { outcome: 'failed'; detail: string }
  /** The activity could not verify the authorisation: nothing was changed. */
  | { outcome: 'refused'; problem: string };

export interface RestoreRequest {
  tenantId: string;
  /** The removal receipt the reclamation's result carries; only what it lists comes back. */
  receipt: string;
  requester: PersonProof;
  approval: PersonProof;
}

export type AssignBackResult =
  | { outcome: 'restored'; receipt: string }
  | { outcome: 'failed' | 'user_not_found'; detail?: string }
  | { outcome: 'refused'; problem: string };

interface GraphUser {
  id: string;
  userPrincipalName?: string;
  assignedLicenses?: { skuId: string; disabledPlans?: string[] }[];
  licenseAssignmentStates?: { skuId: string; assignedByGroup?: string | null; disabledPlans?: string[]; state?: string }[];
}

interface SubscribedSku {
  skuId: string;
  skuPartNumber?: string;
  servicePlans?: { servicePlanId: string; servicePlanName: string }[];
}

/** Service plans that host a user's mailbox (EXCHANGE_S_FOUNDATION does not). */
const MAILBOX_PLAN = /^EXCHANGE_S_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)$/;
const USER_SELECT = 'id,userPrincipalName,assignedLicenses,licenseAssignmentStates';
const lower = (s: string): string => s.toLowerCase();

const userPath = (userId: string): string => `/v1.0/users/${encodeURIComponent(userId)}`;

/** Resolves a UPN or object id to the object id (the CLI calls it, so a UPN never reaches workflow history). */
export async function resolveUserId(graph: GraphClient, upnOrId: string): Promise<string | undefined> {
  try {
    return (await graph.getJson<{ id: string }>(`${userPath(upnOrId)}?$select=id`)).id;
  } catch (err) {
    if (err instanceof GraphNotFoundError) return undefined;
    throw err;
  }
}

async function readUser(graph: GraphClient, userId: string): Promise<GraphUser | undefined> {
  try {
    return await graph.getJson<GraphUser>(`${userPath(userId)}?$select=${USER_SELECT}`);
  } catch (err) {
    if (err instanceof GraphNotFoundError) return undefined;
    throw err;
  }
}

/** Graph's own failures (retry, permission) are not "the warehouse cannot be read". */
const isGraphError = (err: unknown): boolean => err instanceof Error && /^Graph|SkipToken/.test(err.name);

function splitLicenses(u: GraphUser): { direct: LicenseRef[]; groups: { skuId: string; groupIds: string[]; disabledPlans: string[] }[] } {
  const direct: LicenseRef[] = [];
  const groups = new Map<string, { skuId: string; groupIds: string[]; disabledPlans: string[] }>();
  for (const s of u.licenseAssignmentStates ?? []) {
    const skuId = lower(s.skuId);
    if (s.assignedByGroup) {
      const g = groups.get(skuId) ?? { skuId, groupIds: [], disabledPlans: (s.disabledPlans ?? []).map(lower) };
      g.groupIds.push(lower(s.assignedByGroup));
      groups.set(skuId, g);
    } else if (!direct.some((d) => d.skuId === skuId)) {
      direct.push({ skuId, disabledPlans: (s.disabledPlans ?? []).map(lower) });
    }
  }
  // A tenant whose responses lack licenseAssignmentStates: assignedLicenses are then taken as direct.
  if (!u.licenseAssignmentStates) for (const a of u.assignedLicenses ?? []) direct.push({ skuId: lower(a.skuId), disabledPlans: (a.disabledPlans ?? []).map(lower) });
  return { direct, groups: [...groups.values()] };
}

/** A signed note from an earlier attempt of this removal (its heartbeat details), when it is one and for this run. */
function noteOf(text: unknown, key: KeyObject, run: CallingRun): Receipt | undefined {
  try {
    const r = openReceipt(text, key);
    return r.kind === 'removing' && r.workflowId === run.workflowId && r.runId === run.runId ? r : undefined;
  } catch (err) {
    if (err instanceof NotAuthorisedError) return undefined;
    throw err;
  }
}

export function createReclaimActivities(deps: { graphFor: GraphFactory; dbPath: string; authoriser: Authoriser; approvalKey: () => KeyObject }) {
  const withClient = <T>(tenantId: string, fn: (graph: GraphClient) => Promise<T>): Promise<T> => withActivityGraph(deps.graphFor, tenantId, fn);

  /**
   * The latest snapshot's activity and the tenant's exclusion verdict, from the published file (read-only). Group
   * exclusion means membership, transitive, asked of Graph now (checkMemberGroups), not only licence groups.
   */
  const warehouseFacts = async (graph: GraphClient, tenantId: string, userId: string, upn: string | undefined, licenceGroups: string[]) => {
    const db = await openReadOnly(deps.dbPath);
    try {
      const a = (
        await db.query(
          `SELECT last_activity_date::VARCHAR AS last, activity_snapshot_date::VARCHAR AS snap
           FROM user_last_activity WHERE tenant_id = $1 AND user_id = $2`,
          [tenantId, userId],
        )
      ).rows[0];
      const t = (
        await db.query(
          `SELECT (SELECT snapshot_date::VARCHAR FROM latest_snapshot WHERE tenant_id = $1) AS snapshot,
                  (SELECT freshness_days FROM tenant_settings WHERE tenant_id = $1) AS freshness,
                  (SELECT exclude_group_ids FROM tenant_settings WHERE tenant_id = $1) AS groups`,
          [tenantId],
        )
      ).rows[0];
      const excludeGroups = (t?.groups as string[] | null) ?? [];
      const member = excludeGroups.length ? await memberGroups(graph, userId, excludeGroups) : [];
      return {
        activity: { lastActivityDate: (a?.last as string | null) ?? null, snapshotDate: (a?.snap as string | null) ?? null },
        // The rule of the view the approver's list came from (exclusion.ts), on the user's UPN and groups now.
        excludedBy: await exclusionFor(db, tenantId, upn ?? '', [...licenceGroups, ...member]),
        snapshot: (t?.snapshot as string | null) ?? null,
        freshnessDays: Number(t?.freshness ?? DEFAULT_SETTINGS.freshnessDays),
      };
    } finally {
      db.close();
    }
  };

  return {
    /** Fails non-retryably, before anyone is asked to approve, when the app cannot read users, their groups, or remove licences. */
    async reclaimPreflight(input: { tenantId: string }): Promise<{ roles: string[] }> {
      const { tokens } = deps.graphFor(input.tenantId);
      // A fresh token, so consent granted or revoked since the cached one shows in this check.
      return { roles: await requireOperations(tokens, ['readUsers', 'assignLicense', 'checkMemberGroups'], { forceRefresh: true }) };
    },

    /** The user's licences now, what a reclamation would take, and the checks the approver and the re-check need. */
    async inspectUser(input: { tenantId: string; userId: string; skus?: string[]; baseline?: ActivityBaseline; recheck?: boolean }): Promise<UserInspection> {
      return withClient(input.tenantId, async (graph) => {
        const u = await readUser(graph, input.userId);
        const empty: UserInspection = {
          exists: false, direct: [], groupInherited: [], scope: [], notHeld: [], mailboxSkus: [], excludedBy: null,
          activity: { lastActivityDate: null, snapshotDate: null }, activeSinceRequest: false,
        };
        if (!u) return empty;
        const { direct, groups } = splitLicenses(u);
        const wanted = input.skus?.map(lower);
        const skus = (await graph.getJson<{ value: SubscribedSku[] }>('/v1.0/subscribedSkus')).value;
        // Licences of excluded SKUs (settings set --exclude-sku) never enter the scope.
        const never = await neverReclaimedSkuIds(deps.dbPath, input.tenantId, skus);
        const scope = direct.map((d) => d.skuId).filter((s) => (!wanted || wanted.includes(s)) && !never.has(s));
        const groupInherited = groups
          // Also a SKU held both directly and through a group: removing the direct one leaves it with the user.
          .filter((g) => !wanted || wanted.includes(g.skuId))
          .map((g) => ({ skuId: g.skuId, groupIds: g.groupIds }));
        const notHeld = (wanted ?? []).filter((s) => !scope.includes(s) && !groupInherited.some((g) => g.skuId === s));

        const mailboxPlans = new Map(skus.map((k) => [lower(k.skuId), (k.servicePlans ?? []).filter((p) => MAILBOX_PLAN.test(p.servicePlanName)).map((p) => lower(p.servicePlanId))]));
        const hostsMailbox = (skuId: string, disabled: string[]) => (mailboxPlans.get(skuId) ?? []).some((p) => !disabled.includes(p));
        const kept = [...direct.filter((d) => !scope.includes(d.skuId)), ...groups];
        const mailboxSkus = kept.some((k) => hostsMailbox(k.skuId, k.disabledPlans))
          ? []
          : direct.filter((d) => scope.includes(d.skuId) && hostsMailbox(d.skuId, d.disabledPlans)).map((d) => d.skuId);

        const licenceGroups = groups.flatMap((g) => g.groupIds);
        const found = { exists: true, direct, groupInherited, scope, notHeld, mailboxSkus };
        const noFacts = { excludedBy: null, activity: { lastActivityDate: null, snapshotDate: null }, activeSinceRequest: false };
        let facts: Awaited<ReturnType<typeof warehouseFacts>>;
        try {
          if (!existsSync(deps.dbPath)) throw new Error(`no published warehouse at ${deps.dbPath}`);
          facts = await warehouseFacts(graph, input.tenantId, u.id, u.userPrincipalName, licenceGroups);
        } catch (err) {
          if (isGraphError(err)) throw err;
          // At the request the approver sees the Graph facts; at execution nothing goes without the warehouse's.
          if (!input.recheck) return { ...found, ...noFacts };
          Context.current().log.warn('re-check: the published warehouse cannot be read', { error: (err as Error).name });
          return { ...found, ...noFacts, failClosed: { reason: 'warehouse_unreadable', detail: `the published warehouse cannot be read (${(err as Error).name}): run a daily sync, then request again` } };
        }
        const base = input.baseline;
        const latest = facts.activity.lastActivityDate;
        const activeSinceRequest = Boolean(base && latest && (base.lastActivityDate === null || latest > base.lastActivityDate));
        const result: UserInspection = { ...found, excludedBy: facts.excludedBy, activity: facts.activity, activeSinceRequest };
        if (input.recheck) {
          const age = facts.snapshot ? Math.floor((Date.now() - Date.parse(`${facts.snapshot}T00:00:00Z`)) / 86_400_000) : Infinity;
          if (facts.snapshot && isFutureSnapshotDate(facts.snapshot)) {
            result.failClosed = {
              reason: 'snapshot_in_future',
              detail: `the latest snapshot is dated ${facts.snapshot}, after today: remove it (m365-license ${DROP_FUTURE_COMMAND}), run a daily sync, then request again`,
            };
          } else if (age > facts.freshnessDays) {
            result.failClosed = { reason: 'snapshot_stale', detail: `the latest snapshot (${facts.snapshot ?? 'none'}) is older than the freshness setting (${facts.freshnessDays} days): run a daily sync first` };
          }
        }
        return result;
      });
    },

    /**
     * One assignLicense call removing the SKUs still directly assigned, after this activity has itself verified
     * that real people authorised it (identity/authorisation.ts): nothing in its input or in history is taken on
     * trust. Reads first: SKUs already gone count as removed only when an earlier attempt of this same task left a
     * signed note that it was removing them (a retry after a crash), so the removal happens exactly once and the
     * receipt never lists a licence this reclamation did not take.
     */
    async removeLicenses(input: RemovalRequest): Promise<RemovalResult> {
      const ctx = Context.current();
      const log = ctx.log;
      const run = callingRun();
      const key = deps.approvalKey();
      let who: { requester: ProvenPerson; decider: ProvenPerson };
      const skus = (input.skus ?? []).map(lower);
      try {
        const named = parseReclaimWorkflowId(run.workflowId);
        // The workflow id names the tenant and user; the workflow type is the one that gathers the approval.
        if (run.workflowType !== 'reclaimLicenses' || !named || named.tenantId !== input.tenantId || lower(named.userId) !== lower(input.userId)) throw new NotAuthorisedError('not_this_reclamation');
        const approved = (input.approvedScope ?? []).map(lower);
        if (skus.length === 0 || skus.some((s) => !approved.includes(s))) throw new NotAuthorisedError('outside_approved_scope');
        const hash = scopeHash({ kind: 'remove', tenantId: input.tenantId, userId: input.userId, skus: approved, dryRun: false });
        who = await deps.authoriser.decision({ tenantId: input.tenantId, run, kind: 'approve', requester: input.requester, decision: input.approval, scopeHash: hash });
      } catch (err) {
        if (!(err instanceof NotAuthorisedError)) throw err;
        log.warn('removal refused: not authorised', { problem: err.problem });
        return { outcome: 'refused', problem: err.problem };
      }
      const base = { tenantId: input.tenantId, userId: lower(input.userId), workflowId: run.workflowId, runId: run.runId, requesterId: who.requester.objectId, approverId: who.decider.objectId };
      const earlierNote = (ctx.info.heartbeatDetails as { receipt?: unknown } | undefined)?.receipt;
      const earlier = noteOf(earlierNote, key, run)?.licenses.filter((l) => skus.includes(l.skuId)) ?? [];
      let note = typeof earlierNote === 'string' && earlier.length ? earlierNote : undefined;
      return withActivityGraph(
        deps.graphFor,
        input.tenantId,
        async (graph) => {
          const before = await readUser(graph, input.userId);
          if (!before) return { outcome: 'user_not_found' };
          const heldRefs = splitLicenses(before).direct.filter((d) => skus.includes(d.skuId));
          const held = heldRefs.map((d) => d.skuId);
          const gone = [...heldRefs, ...earlier.filter((l) => !held.includes(l.skuId))];
          if (held.length > 0) {
            // Signed before the call, so a retry after a crash knows what this attempt took (and its plans).
            note = signReceipt({ ...base, kind: 'removing', licenses: gone, at: new Date().toISOString() }, key);
            ctx.heartbeat({ receipt: note });
            try {
              await graph.postJson(`${userPath(input.userId)}/assignLicense`, { addLicenses: [], removeLicenses: held });
            } catch (err) {
              if (err instanceof GraphNotFoundError) return { outcome: 'user_not_found' };
              if (!(err instanceof GraphBadRequestError)) throw err;
              const msg = err.graphMessage ?? err.message;
              if (/inherited from a group/i.test(msg)) {
                const groups = splitLicenses(before).groups.filter((g) => skus.includes(g.skuId)).map((g) => ({ skuId: g.skuId, groupIds: g.groupIds }));
                return { outcome: 'needs_group_change', groupInherited: groups, detail: redactPersonalData(msg) };
              }
              // "does not have a corresponding license": gone since the read; the verify below decides.
              if (!/does not have a corresponding license/i.test(msg)) return { outcome: 'failed', detail: redactPersonalData(msg) };
            }
          } else if (gone.length) {
            log.info('licences in scope already removed (a retry after the change was applied)', { workflowUser: input.userId });
          } else {
            return { outcome: 'failed', detail: 'licences_not_held: none of the approved licences is directly assigned now' };
          }
          const after = await readUser(graph, input.userId);
          if (!after) return { outcome: 'user_not_found' };
          const left = splitLicenses(after).direct.filter((d) => skus.includes(d.skuId)).map((d) => d.skuId);
          if (left.length) return { outcome: 'failed', detail: `verify: still assigned after assignLicense: ${left.join(' ')}` };
          const receipt = signReceipt({ ...base, kind: 'removed', licenses: gone, at: new Date().toISOString() }, key);
          return { outcome: 'removed', removed: gone.map((l) => l.skuId), alreadyRemoved: held.length === 0, receipt };
        },
        () => (note ? { receipt: note } : undefined),
      );
    },

    /**
     * Assigns back exactly what a removal receipt (signed by a worker, verified here) lists, with its disabled plans,
     * once this activity has verified the restore's own requester and approver; those already back are left alone.
     */
    async assignBack(input: RestoreRequest): Promise<AssignBackResult> {
      const run = callingRun();
      const key = deps.approvalKey();
      let removal: Receipt;
      let who: { requester: ProvenPerson; decider: ProvenPerson };
      try {
        const target = parseRestoreWorkflowId(run.workflowId);
        const named = target ? parseReclaimWorkflowId(target.reclaimWorkflowId) : undefined;
        if (run.workflowType !== 'restoreLicenses' || !target || !named || named.tenantId !== input.tenantId) throw new NotAuthorisedError('not_a_restore');
        removal = openReceipt(input.receipt, key);
        if (removal.kind !== 'removed' || removal.workflowId !== target.reclaimWorkflowId || removal.tenantId !== named.tenantId || lower(removal.userId) !== lower(named.userId)) {
          throw new NotAuthorisedError('receipt_not_for_this_restore');
        }
        const hash = scopeHash({ kind: 'restore', tenantId: removal.tenantId, userId: removal.userId, skus: removal.licenses.map((l) => l.skuId), dryRun: false, sourceRunId: removal.runId });
        who = await deps.authoriser.decision({ tenantId: input.tenantId, run, kind: 'approve', requester: input.requester, decision: input.approval, scopeHash: hash });
      } catch (err) {
        if (!(err instanceof NotAuthorisedError)) throw err;
        Context.current().log.warn('restore refused: not authorised', { problem: err.problem });
        return { outcome: 'refused', problem: err.problem };
      }
      const userId = removal.userId;
      const licenses = removal.licenses;
      return withClient(input.tenantId, async (graph) => {
        const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
        const before = await readUser(graph, userId);
        if (!before) return { outcome: 'user_not_found' };
        const direct = splitLicenses(before).direct;
        const add = licenses.filter((l) => !direct.some((d) => d.skuId === l.skuId && same(d.disabledPlans, l.disabledPlans)));
        if (add.length) {
          try {
            await graph.postJson(`${userPath(userId)}/assignLicense`, { addLicenses: add, removeLicenses: [] });
          } catch (err) {
            if (err instanceof GraphNotFoundError) return { outcome: 'user_not_found' };
            if (err instanceof GraphBadRequestError) return { outcome: 'failed', detail: redactPersonalData(err.graphMessage ?? err.message) };
            throw err;
          }
        }
        const after = await readUser(graph, userId);
        const now = after ? splitLicenses(after).direct : [];
        const missing = licenses.filter((l) => !now.some((d) => d.skuId === l.skuId && same(d.disabledPlans, l.disabledPlans)));
        if (missing.length) return { outcome: 'failed', detail: `verify: not restored: ${missing.map((m) => m.skuId).join(' ')}` };
        const receipt = signReceipt(
          { tenantId: removal.tenantId, userId, workflowId: run.workflowId, runId: run.runId, kind: 'restored', licenses, requesterId: who.requester.objectId, approverId: who.decider.objectId, at: new Date().toISOString(), source: { workflowId: removal.workflowId, runId: removal.runId } },
          key,
        );
        return { outcome: 'restored', receipt };
      });
    },
  };
}
