// inspectUser: the user's licences now, what a reclamation would take, and the checks the approver and the
// re-check need. The UPN read from Graph for the exclusion check never leaves the activity.
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { GraphClient } from '../../graph/client';
import { neverReclaimedSkuIds } from '../../warehouse';
import { DROP_FUTURE_COMMAND } from '../../warehouse/history/future';
import { isFutureSnapshotDate } from '../../shared/snapshot-date';
import { withActivityGraph } from '../graph-context';
import { lower, readUser, splitLicenses, type GroupLicence } from './graph-user';
import { warehouseFacts, type WarehouseFacts } from './warehouse-facts';
import type { ActivityBaseline, LicenseRef, ReclaimDeps, UserInspection } from './types';

interface SubscribedSku {
  skuId: string;
  skuPartNumber?: string;
  servicePlans?: { servicePlanId: string; servicePlanName: string }[];
}

export interface InspectRequest {
  tenantId: string;
  userId: string;
  skus?: string[];
  baseline?: ActivityBaseline;
  recheck?: boolean;
}

/** Service plans that host a user's mailbox (EXCHANGE_S_FOUNDATION does not). */
const MAILBOX_PLAN = /^EXCHANGE_S_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)$/;

/** Graph's own failures (retry, permission) are not "the warehouse cannot be read". */
const isGraphError = (err: unknown): boolean => err instanceof Error && /^Graph|SkipToken/.test(err.name);

const notFound = (): UserInspection => ({
  exists: false,
  direct: [],
  groupInherited: [],
  scope: [],
  notHeld: [],
  mailboxSkus: [],
  excludedBy: null,
  activity: { lastActivityDate: null, snapshotDate: null },
  activeSinceRequest: false,
});

/** Which direct licences are in scope, which asked-for ones the user lacks, and which removals take the mailbox. */
function licenceScope(direct: LicenseRef[], groups: GroupLicence[], wanted: string[] | undefined, skus: SubscribedSku[], never: Set<string>) {
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
  return { groupInherited, scope, notHeld, mailboxSkus };
}

/** At the re-check: why the snapshot cannot be trusted (dated after today, or older than the freshness setting). */
function snapshotDistrust(facts: WarehouseFacts): UserInspection['failClosed'] {
  const age = facts.snapshot ? Math.floor((Date.now() - Date.parse(`${facts.snapshot}T00:00:00Z`)) / 86_400_000) : Infinity;
  if (facts.snapshot && isFutureSnapshotDate(facts.snapshot)) {
    return {
      reason: 'snapshot_in_future',
      detail: `the latest snapshot is dated ${facts.snapshot}, after today: remove it (m365-license ${DROP_FUTURE_COMMAND}), run a daily sync, then request again`,
    };
  }
  if (age > facts.freshnessDays) {
    return {
      reason: 'snapshot_stale',
      detail: `the latest snapshot (${facts.snapshot ?? 'none'}) is older than the freshness setting (${facts.freshnessDays} days): run a daily sync first`,
    };
  }
  return undefined;
}

async function inspect(deps: Pick<ReclaimDeps, 'dbPath'>, graph: GraphClient, input: InspectRequest): Promise<UserInspection> {
  const u = await readUser(graph, input.userId);
  if (!u) return notFound();
  const { direct, groups } = splitLicenses(u);
  const wanted = input.skus?.map(lower);
  const skus = (await graph.getJson<{ value: SubscribedSku[] }>('/v1.0/subscribedSkus')).value;
  // Licences of excluded SKUs (settings set --exclude-sku) never enter the scope.
  const never = await neverReclaimedSkuIds(deps.dbPath, input.tenantId, skus);
  const { groupInherited, scope, notHeld, mailboxSkus } = licenceScope(direct, groups, wanted, skus, never);

  const licenceGroups = groups.flatMap((g) => g.groupIds);
  const found = { exists: true, direct, groupInherited, scope, notHeld, mailboxSkus };
  const noFacts = { excludedBy: null, activity: { lastActivityDate: null, snapshotDate: null }, activeSinceRequest: false };
  let facts: WarehouseFacts;
  try {
    if (!existsSync(deps.dbPath)) throw new Error(`no published warehouse at ${deps.dbPath}`);
    facts = await warehouseFacts(deps.dbPath, graph, input.tenantId, u.id, u.userPrincipalName, licenceGroups);
  } catch (err) {
    if (isGraphError(err)) throw err;
    // At the request the approver sees the Graph facts; at execution nothing goes without the warehouse's.
    if (!input.recheck) return { ...found, ...noFacts };
    Context.current().log.warn('re-check: the published warehouse cannot be read', { error: (err as Error).name });
    return {
      ...found,
      ...noFacts,
      failClosed: { reason: 'warehouse_unreadable', detail: `the published warehouse cannot be read (${(err as Error).name}): run a daily sync, then request again` },
    };
  }
  const base = input.baseline;
  const latest = facts.activity.lastActivityDate;
  const activeSinceRequest = Boolean(base && latest && (base.lastActivityDate === null || latest > base.lastActivityDate));
  const result: UserInspection = { ...found, excludedBy: facts.excludedBy, activity: facts.activity, activeSinceRequest };
  if (input.recheck) {
    const failClosed = snapshotDistrust(facts);
    if (failClosed) result.failClosed = failClosed;
  }
  return result;
}

/** The user's licences now, what a reclamation would take, and the checks the approver and the re-check need. */
export function createInspectUser(deps: Pick<ReclaimDeps, 'graphFor' | 'dbPath'>) {
  return async function inspectUser(input: InspectRequest): Promise<UserInspection> {
    return withActivityGraph(deps.graphFor, input.tenantId, (graph) => inspect(deps, graph, input));
  };
}
