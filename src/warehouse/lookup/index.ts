// Display-time lookups: who a user id is, what a SKU id is called and costs, why a user is a candidate and what the
// audit trail says, read from the published warehouse when a command or a page shows them (workflow history carries
// ids only). Used by `reclaim status|list`, the report and the web inbox: one source, so they agree. A missing or older warehouse, or a user it does not know, gives ids back with a note
// saying why: a lookup never fails the page that asked.
import { existsSync } from 'node:fs';
import { openReadOnly, type ReadOnlyWarehouse } from '../db/handles';
import { totalsByCurrency } from '../rules/money';
import { auditTrailOf, requestLineOf } from './audit-trail';
import { candidateOf, factsOf, heldSkuIds, licencesOf, mailboxHosts, namesOf } from './queries';
import { SERVICES, type AuditLine, type CandidateView, type LicenceView, type PersonName, type PersonView, type Service } from './types';

export * from './types';

export interface WarehouseLookup {
  /** Null when the warehouse answers; otherwise why names and prices cannot be shown (for the reader). */
  readonly unavailable: string | null;
  /** One person with the licences given by SKU id (default: every licence they hold), their activity and mailbox. */
  person(tenantId: string, userId: string, skuIds?: string[]): Promise<PersonView>;
  /** Names of several people at once (a list page); every id asked gets an entry, known or not. */
  names(tenantId: string, userIds: string[]): Promise<Map<string, PersonName>>;
  /** Product names and yearly seat prices of SKU ids, in the order given. */
  licences(tenantId: string, skuIds: string[]): Promise<LicenceView[]>;
  /** Why the user is, or is not, a candidate today; null when the warehouse does not evaluate them. */
  candidate(tenantId: string, userId: string): Promise<CandidateView | null>;
  /** The newest lines of one reclamation's audit trail, newest first; empty when none can be read. */
  auditTrail(workflowId: string, limit?: number): Promise<AuditLine[]>;
  /** The request line of one run (reason, requester's UPN); null when none can be read. */
  requestLine(workflowId: string, runId: string): Promise<AuditLine | null>;
  close(): void;
}

const noActivity = (): Record<Service, string | null> => Object.fromEntries(SERVICES.map((s) => [s, null])) as Record<Service, string | null>;
const unknownName = (userId: string): PersonName => ({ userId, known: false, displayName: null, upn: null, department: null });
const bareLicence = (skuId: string): LicenceView => ({ skuId: skuId.toLowerCase(), partNumber: null, productName: null, annualCost: null, currency: null, priceSource: null });

/** A licence's yearly cost as money (NULL when no price is known), for totalsByCurrency and totalsText. */
export const annualCost = (l: Pick<LicenceView, 'annualCost' | 'currency'>): { currency: string | null; amount: string | null } => ({ currency: l.currency, amount: l.annualCost });

function emptyPerson(tenantId: string, userId: string, licences: LicenceView[], note: string): PersonView {
  return {
    ...unknownName(userId.toLowerCase()),
    tenantId,
    jobTitle: null,
    accountEnabled: null,
    licences,
    annualCostByCurrency: totalsByCurrency(licences, annualCost).totals,
    lastActivityPerService: noActivity(),
    lastActivity: null,
    lastSignIn: null,
    daysInactive: null,
    mailbox: null,
    asOf: null,
    note,
  };
}

/** A lookup that knows nothing: every answer is the ids, with `reason` as the note. */
function emptyLookup(reason: string): WarehouseLookup {
  return {
    unavailable: reason,
    person: (tenantId, userId, skuIds = []) => Promise.resolve(emptyPerson(tenantId, userId, skuIds.map(bareLicence), reason)),
    names: (_tenantId, userIds) => Promise.resolve(new Map(userIds.map((id) => [id.toLowerCase(), unknownName(id.toLowerCase())]))),
    licences: (_tenantId, skuIds) => Promise.resolve(skuIds.map(bareLicence)),
    candidate: () => Promise.resolve(null),
    auditTrail: () => Promise.resolve([]),
    requestLine: () => Promise.resolve(null),
    close: () => undefined,
  };
}

function warehouseLookup(db: ReadOnlyWarehouse): WarehouseLookup {
  const licences = async (tenantId: string, skuIds: string[]) => licencesOf(db, tenantId, skuIds).catch(() => skuIds.map(bareLicence));
  return {
    unavailable: null,
    licences,
    async names(tenantId, userIds) {
      const found = await namesOf(db, tenantId, userIds).catch(() => new Map<string, PersonName>());
      return new Map(userIds.map((id) => [id.toLowerCase(), found.get(id.toLowerCase()) ?? unknownName(id.toLowerCase())]));
    },
    async person(tenantId, userId, skuIds) {
      const id = userId.toLowerCase();
      const held = skuIds ?? (await heldSkuIds(db, tenantId, id).catch(() => []));
      const lics = await licences(tenantId, held);
      const name = (await namesOf(db, tenantId, [id]).catch(() => new Map<string, PersonName>())).get(id);
      const facts = name ? await factsOf(db, tenantId, id).catch(() => null) : null;
      if (!name || !facts)
        return emptyPerson(tenantId, id, lics, `user ${id} is not in the latest roster of tenant ${tenantId} in the warehouse (left the tenant, or not loaded yet)`);
      const hostedBy = await mailboxHosts(db, tenantId, id).catch(() => null);
      return {
        ...name,
        tenantId,
        jobTitle: facts.jobTitle,
        accountEnabled: facts.accountEnabled,
        licences: lics,
        annualCostByCurrency: totalsByCurrency(lics, annualCost).totals,
        lastActivityPerService: facts.lastActivityPerService,
        lastActivity: facts.lastActivity,
        lastSignIn: facts.lastSignIn,
        daysInactive: facts.daysInactive,
        mailbox: hostedBy ? { hostedBy, lastActivity: facts.lastActivityPerService.exchange } : null,
        asOf: facts.asOf,
        note: null,
      };
    },
    candidate: (tenantId, userId) => candidateOf(db, tenantId, userId).catch(() => null),
    auditTrail: (workflowId, limit = 100) => auditTrailOf(db, workflowId, limit).catch(() => []),
    requestLine: (workflowId, runId) => requestLineOf(db, workflowId, runId).catch(() => null),
    close: () => db.close(),
  };
}

/** Opens the published warehouse for lookups; a missing or unreadable file gives a lookup that answers with ids. */
export async function openWarehouseLookup(dbPath: string): Promise<WarehouseLookup> {
  if (!existsSync(dbPath)) return emptyLookup(`no published warehouse at ${dbPath}: names and prices are not shown (run a daily sync or import first)`);
  try {
    return warehouseLookup(await openReadOnly(dbPath));
  } catch (err) {
    return emptyLookup(`the published warehouse ${dbPath} cannot be read (${(err as Error).message}): names and prices are not shown`);
  }
}

/** One lookup, opened and closed around `fn`. */
export async function withWarehouseLookup<T>(dbPath: string, fn: (lookup: WarehouseLookup) => Promise<T>): Promise<T> {
  const lookup = await openWarehouseLookup(dbPath);
  try {
    return await fn(lookup);
  } finally {
    lookup.close();
  }
}

/** "Alice Smith <alice@contoso.com> (id)", or the id alone with "(not in the warehouse)". */
export function personLabel(p: PersonName): string {
  if (!p.known) return `${p.userId} (not in the warehouse)`;
  const name = p.displayName ?? p.upn ?? p.userId;
  return `${name}${p.upn && p.upn !== name ? ` <${p.upn}>` : ''} (${p.userId})`;
}

/** "Microsoft 365 E5 (SPE_E5), USD 684.00 a year", or the SKU id with what is unknown. */
export function licenceLabel(l: LicenceView): string {
  const name = l.productName && l.partNumber ? `${l.productName} (${l.partNumber})` : (l.partNumber ?? l.productName ?? `SKU ${l.skuId}`);
  return `${name}, ${l.annualCost !== null && l.currency ? `${l.currency} ${l.annualCost} a year` : 'no price known'}`;
}
