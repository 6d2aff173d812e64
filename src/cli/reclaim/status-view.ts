// What `reclaim status` prints: the workflow's state (ids only, as history holds it) told in names and money. The
// names, product names and prices are looked up in the published warehouse when the status is shown
// (warehouse/lookup); when it cannot say, the ids stand alone and a last line says why.
import { totalsText } from '../../warehouse/index';
import { annualCost, licenceLabel, personLabel, withWarehouseLookup, SERVICES, type LicenceView, type PersonName, type PersonView } from '../../warehouse/lookup/index';
import { safeInline } from '../output/sanitize';
import type { RequestTexts } from './audit';
import type { AnyReclaimState } from '../../workflows/reclaim/messages';
import { bindingLine } from './decide';

/** The looked-up names of one status: the subject with every SKU the state names, and the people who acted. */
export interface StatusNames {
  subject: PersonView;
  people: Map<string, PersonName>;
  licences: Map<string, LicenceView>;
  unavailable: string | null;
}

/** Every SKU id a state names (scope, group-inherited, not held, removed; a restore's licences). */
function skuIdsOf(s: AnyReclaimState): string[] {
  const ids = 'licenses' in s ? s.licenses.map((l) => l.skuId) : [...s.scope, ...s.groupInherited.map((g) => g.skuId), ...s.notHeld, ...s.removed];
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** Looks up, in the published warehouse, the names and prices a status shows. */
export async function lookUpStatusNames(dbPath: string, s: AnyReclaimState): Promise<StatusNames> {
  return withWarehouseLookup(dbPath, async (lookup) => {
    const subject = await lookup.person(s.tenantId, s.userId, skuIdsOf(s));
    const actors = [s.requesterId, s.decision?.by, ...s.events.map((e) => e.by)].filter((id): id is string => Boolean(id));
    return {
      subject,
      people: await lookup.names(s.tenantId, [...new Set(actors)]),
      licences: new Map(subject.licences.map((l) => [l.skuId, l])),
      unavailable: lookup.unavailable,
    };
  });
}

/** A person by name when the warehouse knows them (an id that is no user, like the lab mode's stand-in, stays as is). */
function who(names: StatusNames | undefined, id: string): string {
  const p = names?.people.get(id.toLowerCase());
  return p?.known ? safeInline(personLabel(p)) : id;
}

function sku(names: StatusNames | undefined, id: string): string {
  const l = names?.licences.get(id.toLowerCase());
  return l && (l.partNumber || l.productName) ? `${safeInline(licenceLabel(l))} [${id}]` : id;
}

/** "USD 1,044.00 + EUR 342.00 + 1 without a price": per currency, never added across currencies. */
const cost = (licences: LicenceView[]): string => totalsText(licences, annualCost) || 'no price known';

/** The subject's lines: who they are, their activity per service and their last sign-in. */
function subjectLines(s: AnyReclaimState, names: StatusNames | undefined): string[] {
  const p = names?.subject;
  if (!p?.known) return [`  user ${s.userId} in tenant ${s.tenantId}${p?.note ? ` (${p.note})` : ''}`];
  const about = [p.department, p.jobTitle, p.accountEnabled === false ? 'account disabled' : p.accountEnabled ? 'account enabled' : null].filter(Boolean);
  const used = SERVICES.flatMap((k) => (p.lastActivityPerService[k] ? [`${k} ${p.lastActivityPerService[k]}`] : []));
  return [
    `  user ${safeInline(personLabel(p))} in tenant ${s.tenantId}${about.length ? `: ${safeInline(about.join(', '))}` : ''}`,
    `    last activity ${p.lastActivity ?? 'never'}${used.length ? ` (${used.join(', ')})` : ''}; last sign-in ${p.lastSignIn ?? 'none on record'}${p.daysInactive !== null ? `; ${p.daysInactive} days inactive` : ''} (as of ${p.asOf})`,
  ];
}

export function statusLines(s: AnyReclaimState, texts: RequestTexts = {}, names?: StatusNames): string[] {
  const restore = 'licenses' in s;
  const requester = s.requesterId
    ? names?.people.get(s.requesterId.toLowerCase())?.known
      ? who(names, s.requesterId)
      : `${s.requesterId}${texts.requesterUpn ? ` (${safeInline(texts.requesterUpn)})` : ''}`
    : '(not verified)';
  const lines = [
    `${s.workflowId}: ${s.status}${!restore && s.dryRun ? ' (dry run)' : ''}`,
    ...subjectLines(s, names),
    `  requested by ${requester} at ${s.requestedAt}`,
    ...(texts.reason ? [`  reason (audit trail): ${safeInline(texts.reason)}`] : s.reasonRef ? [`  reason: in the audit trail (row ${s.reasonRef})`] : []),
    `  identity: ${s.identity}${s.identity === 'unverified' ? ' (LAB MODE: approvals carry names, not sign-ins)' : ''}`,
  ];
  const priced = (ids: string[]) => (names ? `, ${cost(ids.map((id) => names.licences.get(id.toLowerCase())).filter((l): l is LicenceView => Boolean(l)))} a year` : '');
  if (restore) {
    const ids = s.licenses.map((l) => l.skuId);
    lines.push(
      `  licences to assign back (as reclamation run ${s.sourceRunId ?? '?'} removed them)${priced(ids)}: ${ids.length ? '' : 'none'}`,
      ...ids.map((id) => `    ${sku(names, id)}`),
    );
  } else {
    lines.push(`  licences to remove (direct)${s.scope.length ? priced(s.scope) : ''}: ${s.scope.length ? '' : 'none'}`, ...s.scope.map((id) => `    ${sku(names, id)}`));
    for (const g of s.groupInherited) lines.push(`  stays (assigned by group ${g.groupIds.join(', ')}; change the group membership instead): ${sku(names, g.skuId)}`);
    if (s.notHeld.length) lines.push(`  not held by the user: ${s.notHeld.map((id) => sku(names, id)).join(', ')}`);
    if (s.mailboxWarning) lines.push(`  WARNING: ${s.mailboxWarning}`);
  }
  if (s.status === 'awaiting_approval') lines.push(`  to decide: reclaim approve|reject ${s.workflowId} --scope ${s.scopeHash}`, `  binds to: ${bindingLine(s)}`);
  if (s.decision) lines.push(`  ${s.decision.kind === 'approve' ? 'approved' : 'rejected'} by ${who(names, s.decision.by)} at ${s.decision.at}`);
  if (!restore && s.noticeRemovalDate)
    lines.push(
      `  the user was told the licences go on ${s.noticeRemovalDate}${s.userObjectedAt ? `; on ${s.userObjectedAt} they answered they still need them: decide again` : ''}`,
    );
  if (!restore && s.removed.length) lines.push(`  ${s.status === 'dry_run' ? 'would remove' : 'removed'}${priced(s.removed)}: ${s.removed.map((id) => sku(names, id)).join(', ')}`);
  if (s.detail) lines.push(`  detail: ${s.detail}`);
  for (const e of s.events) lines.push(`  ${e.at} ${e.kind}${e.by ? ` by ${who(names, e.by)}` : ''}${e.note ? `: ${e.note}` : ''}`);
  if (names?.unavailable) lines.push(`  (${names.unavailable})`);
  return lines;
}

/** The looked-up names as `reclaim status --json` adds them (key `names`; the state's own fields stay ids). */
export function namesJson(n: StatusNames): { subject: PersonView; people: Record<string, PersonName>; unavailable: string | null } {
  return { subject: n.subject, people: Object.fromEntries(n.people), unavailable: n.unavailable };
}
