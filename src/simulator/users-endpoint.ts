// GET /users and /users/{id | userPrincipalName}: $select, $top, $count, $filter by UPN prefix (users-filter.ts) and
// skiptoken paging over the generated tenant, with Graph's validation errors; the projector renders one user for any $select.
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { toAssignedLicenses, toAssignmentStates, type LicenseEntry } from './licences';
import { makeSkipToken, nextLinkFor, readSkipToken, tokenTooOld } from './paging';
import { denyMissingAuditLog, denyNonPremium, signInActivityOf } from './sign-ins';
import { eventual, filteredCount, filteredPage, parseUpnFilter, refuseFilter, type UpnFilter } from './users-filter';
import type { GeneratedUser, Profile } from './users';
import type { Tenant } from './tenant';

export const DEFAULT_SELECT = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];
const KNOWN = [
  ...DEFAULT_SELECT,
  'accountEnabled',
  'userType',
  'createdDateTime',
  'department',
  'usageLocation',
  'assignedLicenses',
  'licenseAssignmentStates',
  'signInActivity',
  'companyName',
  'employeeId',
  'city',
  'country',
  'onPremisesSyncEnabled',
  'proxyAddresses',
  'otherMails',
  'assignedPlans',
  'creationType',
  'externalUserState',
];
const KNOWN_LOWER = new Map(KNOWN.map((k) => [k.toLowerCase(), k]));
const SINGLE_USER_ONLY = new Set([
  'aboutme',
  'birthday',
  'hiredate',
  'interests',
  'mysite',
  'pastprojects',
  'preferredname',
  'responsibilities',
  'schools',
  'skills',
  'mailboxsettings',
]);

type Projector = (u: GeneratedUser, licenses: LicenseEntry[] | Profile | undefined) => unknown;

export interface UsersQuery {
  fields: string[];
  top: number;
}

/** The page caps: 999, 500 with signInActivity (the realistic profile's settings, and whether a larger $top is an error). */
function topCaps(ctx: SimContext): { maxTop: number; signInMaxTop: number; signInError: boolean } {
  const l = ctx.profile.limits;
  if (ctx.profile.name !== 'realistic') return { maxTop: 999, signInMaxTop: 500, signInError: false };
  return { maxTop: l.maxTop, signInMaxTop: l.signInMaxTop, signInError: l.topMode === 'error' };
}

const badTop = (ex: Exchange, t: string, max: number): void =>
  sendGraphError(ex, 400, 'Request_BadRequest', `Invalid page size specified: '${t}'. Must be between 1 and ${max} inclusive.`);

/** Parses $select/$top; sends the 400/501 and returns undefined when invalid. `$filter` is the list's to read. */
export function parseUsersQuery(ctx: SimContext, ex: Exchange, allowFilter = false): UsersQuery | undefined {
  const q = ex.url.searchParams;
  for (const k of ['$filter', '$search', '$orderby', '$expand', '$skip']) {
    if (q.has(k) && !(allowFilter && k === '$filter')) {
      sendGraphError(ex, 400, 'Request_UnsupportedQuery', `The simulator does not implement ${k} on users.`);
      return undefined;
    }
  }
  let fields = DEFAULT_SELECT;
  const sel = q.get('$select');
  if (sel !== null && sel.trim() !== '') {
    fields = [];
    for (const raw of sel.split(',')) {
      const k = raw.trim().toLowerCase();
      if (k === '') continue;
      if (SINGLE_USER_ONLY.has(k)) {
        sendGraphError(ex, 501, 'Request_UnsupportedQuery', `The following properties are not supported for a list request: '${raw.trim()}'.`);
        return undefined;
      }
      const canon = KNOWN_LOWER.get(k);
      if (!canon) {
        sendGraphError(ex, 400, 'Request_BadRequest', `Could not find a property named '${raw.trim()}' on type 'Microsoft.DirectoryServices.User'.`);
        return undefined;
      }
      if (!fields.includes(canon)) fields.push(canon);
    }
    if (!fields.includes('id')) fields.unshift('id');
  }
  let top = 100;
  const caps = topCaps(ctx);
  const t = q.get('$top');
  if (t !== null) {
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < 1 || n > caps.maxTop) {
      badTop(ex, t, caps.maxTop);
      return undefined;
    }
    top = n;
  }
  if (fields.includes('signInActivity')) {
    if (caps.signInError && top > caps.signInMaxTop) {
      badTop(ex, t ?? String(top), caps.signInMaxTop);
      return undefined;
    }
    top = Math.min(top, caps.signInMaxTop);
  }
  return { fields, top };
}

export function projector(ctx: SimContext, fields: string[]): Projector {
  return projectorFor(ctx.state.tenant, ctx.state.refreshDay, fields);
}

/** Renders users of `tenant` (any simulated day) with the given fields. */
export function projectorFor(tenant: Tenant, refreshDay: number, fields: string[]): Projector {
  return (u, lic) => {
    let lics: LicenseEntry[] | undefined = Array.isArray(lic) ? lic : undefined;
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      switch (f) {
        case 'assignedLicenses':
          lics ??= tenant.licenses(u.index, lic as Profile | undefined);
          o[f] = toAssignedLicenses(lics);
          break;
        case 'licenseAssignmentStates':
          lics ??= tenant.licenses(u.index, lic as Profile | undefined);
          o[f] = toAssignmentStates(lics);
          break;
        case 'signInActivity':
          o[f] = signInActivityOf(tenant, u, refreshDay);
          break;
        case 'companyName':
        case 'employeeId':
        case 'city':
        case 'country':
        case 'externalUserState':
          o[f] = null;
          break;
        case 'onPremisesSyncEnabled':
          o[f] = null;
          break;
        case 'proxyAddresses':
          o[f] = u.mail ? [`SMTP:${u.mail}`] : [];
          break;
        case 'otherMails':
        case 'assignedPlans':
          o[f] = [];
          break;
        case 'creationType':
          o[f] = u.userType === 'Guest' ? 'Invitation' : null;
          break;
        default:
          o[f] = (u as unknown as Record<string, unknown>)[f] ?? null;
      }
    }
    return o;
  };
}

export function handleUsers(ctx: SimContext, ex: Exchange, version: string, roles: string[]): void {
  if (!hasRole(roles, ROLES.users)) return denyDirectory(ex);
  const q = parseUsersQuery(ctx, ex, true);
  if (!q) return;
  const filter = parseUpnFilter(ex.url.searchParams);
  if (filter === null) return refuseFilter(ex);
  if (q.fields.includes('signInActivity')) {
    if (!hasRole(roles, ROLES.signInActivity)) return denyMissingAuditLog(ex);
    if (!ctx.state.premium) return denyNonPremium(ex, ctx.state.nonPremiumStatus);
  }
  const tok = ex.url.searchParams.get('$skiptoken') ?? ex.url.searchParams.get('$skipToken');
  const offset = tok === null ? 0 : acceptedOffset(ctx, ex, tok, q.top, filter);
  if (offset === undefined) return;
  // Without ConsistencyLevel: eventual, Graph ignores $count=true silently (no @odata.count), it does not refuse it.
  const wantCount = ex.url.searchParams.get('$count') === 'true' && eventual(ex);
  const tenant = ctx.state.tenant;
  const { indices, next } = filter ? filteredPage(tenant, filter, offset, q.top) : unfilteredPage(tenant, offset, q.top);
  const project = projector(ctx, q.fields);
  const value = indices.map((i) => {
    const prof = tenant.profile(i);
    return project(tenant.userAt(i, prof), prof);
  });
  const sel = ex.url.searchParams.get('$select');
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users${sel ? `(${q.fields.join(',')})` : ''}`,
  };
  if (wantCount && tok === null) body['@odata.count'] = filteredCount(tenant, filter);
  if (next !== undefined) body['@odata.nextLink'] = nextLinkFor(ctx, ex, makeSkipToken(ctx, next, pageEpoch(ctx, filter)));
  body.value = value;
  sendGraphJson(ex, 200, body);
}

/** Skiptokens are per query: the `expired` fault invalidates the tokens of one filter (or of the unfiltered list). */
const epochKey = (filter: UpnFilter | undefined): string => (filter ? `startswith:${filter.prefix}` : '');
const pageEpoch = (ctx: SimContext, filter: UpnFilter | undefined): number => ctx.state.pageTokenEpochs.get(epochKey(filter)) ?? 0;

/** The user index a skiptoken resumes at; undefined when it was refused (invalid, expired by age or by fault). */
function acceptedOffset(ctx: SimContext, ex: Exchange, tok: string, top: number, filter: UpnFilter | undefined): number | undefined {
  const state = ctx.state;
  const parsed = readSkipToken(ctx, tok);
  if (!parsed) {
    sendGraphError(ex, 400, 'Request_BadRequest', `Invalid $skiptoken value: '${tok}'.`);
    return undefined;
  }
  const epoch = pageEpoch(ctx, filter);
  const page = filter ? filteredPage(state.tenant, filter, parsed.offset, top).page : Math.floor(parsed.offset / top) + 1;
  const expired = parsed.epoch !== epoch ? undefined : state.faults.expiredFires(page);
  if (parsed.epoch !== epoch || expired || tokenTooOld(ctx, parsed.issuedMs)) {
    if (expired) {
      ex.faultText = expired.text;
      state.pageTokenEpochs.set(epochKey(filter), epoch + 1);
    }
    sendGraphError(ex, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
    return undefined;
  }
  return parsed.offset;
}

/** Offsets are user indices; on a simulated day > 0 leavers are skipped and hires follow the deleted rows' indices. */
function unfilteredPage(tenant: Tenant, offset: number, top: number): { indices: number[]; next?: number } {
  const limit = tenant.day === 0 ? tenant.userCount : tenant.indexLimit;
  const indices: number[] = [];
  let end = offset;
  for (; end < limit && indices.length < top; end++) if (tenant.day === 0 || tenant.isLive(end)) indices.push(end);
  while (tenant.day > 0 && end < limit && !tenant.isLive(end)) end++; // no empty last page
  return { indices, next: end < limit ? end : undefined };
}

function notFound(ex: Exchange, id: string): void {
  sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function handleUser(ctx: SimContext, ex: Exchange, version: string, roles: string[], idOrUpn: string): void {
  if (!hasRole(roles, ROLES.users)) return denyDirectory(ex);
  const q = parseUsersQuery(ctx, ex);
  if (!q) return;
  if (q.fields.includes('signInActivity')) {
    if (!hasRole(roles, ROLES.signInActivity)) return denyMissingAuditLog(ex);
    if (!ctx.state.premium) return denyNonPremium(ex, ctx.state.nonPremiumStatus);
  }
  const tenant = ctx.state.tenant;
  const i = tenant.resolveUser(idOrUpn);
  if (i < 0) return notFound(ex, idOrUpn);
  const body = projector(ctx, q.fields)(tenant.userAt(i), undefined) as Record<string, unknown>;
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users/$entity`, ...body });
}
