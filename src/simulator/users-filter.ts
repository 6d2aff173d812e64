// The one /users $filter the simulator implements, `startswith(userPrincipalName,'…')` (a default query in Graph:
// no ConsistencyLevel needed), and `GET /users/$count` (advanced query: refused without `ConsistencyLevel:
// eventual`, as Graph does). Matching is case-insensitive, as Graph's string filters are. Users are found through
// an index of user indices by the first character of the UPN, built once per tenant (and day).
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { send, sendGraphError, type Exchange } from './http';
import type { Tenant } from './tenant';
import { upnOf } from './users';

/** A parsed `$filter`: the UPN prefix, lower case. */
export interface UpnFilter {
  prefix: string;
}

const STARTSWITH = /^\s*startswith\s*\(\s*userprincipalname\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i;

/** Parses `$filter`: undefined when absent, null when it is not the one filter the simulator implements. */
export function parseUpnFilter(q: URLSearchParams): UpnFilter | undefined | null {
  const f = q.get('$filter');
  if (f === null) return undefined;
  const m = STARTSWITH.exec(f);
  if (!m || m[1] === '') return null;
  return { prefix: m[1]!.replace(/''/g, "'").toLowerCase() };
}

/** Graph's answer to a filter it cannot run; the simulator answers the same for every filter it does not implement. */
export const refuseFilter = (ex: Exchange): void =>
  sendGraphError(ex, 400, 'Request_UnsupportedQuery', "The simulator implements only startswith(userPrincipalName,'...') in $filter on users.");

const indexes = new WeakMap<Tenant, Map<string, Int32Array>>();

/** Live user indices by the lower-cased first character of their UPN, ascending. */
export function upnFirstCharIndex(tenant: Tenant): Map<string, Int32Array> {
  let index = indexes.get(tenant);
  if (index) return index;
  const lists = new Map<string, number[]>();
  const limit = tenant.day === 0 ? tenant.userCount : tenant.indexLimit;
  for (let i = 0; i < limit; i++) {
    if (tenant.day > 0 && !tenant.isLive(i)) continue;
    const c = upnOf(tenant, i, tenant.profile(i)).charAt(0).toLowerCase();
    let l = lists.get(c);
    if (!l) lists.set(c, (l = []));
    l.push(i);
  }
  index = new Map([...lists].map(([c, l]) => [c, Int32Array.from(l)]));
  indexes.set(tenant, index);
  return index;
}

/** First position in `a` (ascending) whose value is >= `v`. */
function lowerBound(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A page of the users matching the filter, from user index `offset` on. */
export interface FilteredPage {
  indices: number[];
  /** The user index the next page starts at, or undefined on the last page. */
  next?: number;
  /** 1-based number of this page within the filter's results (for the `expired` fault). */
  page: number;
}

const matches = (tenant: Tenant, i: number, prefix: string): boolean => prefix.length === 1 || upnOf(tenant, i, tenant.profile(i)).toLowerCase().startsWith(prefix);

export function filteredPage(tenant: Tenant, filter: UpnFilter, offset: number, top: number): FilteredPage {
  const bucket = upnFirstCharIndex(tenant).get(filter.prefix.charAt(0)) ?? new Int32Array(0);
  let pos = lowerBound(bucket, offset);
  const page = Math.floor(pos / top) + 1;
  const indices: number[] = [];
  for (; pos < bucket.length && indices.length < top; pos++) if (matches(tenant, bucket[pos]!, filter.prefix)) indices.push(bucket[pos]!);
  // No empty last page: the next link points at the next matching user, if there is one.
  while (pos < bucket.length && !matches(tenant, bucket[pos]!, filter.prefix)) pos++;
  return { indices, page, next: pos < bucket.length ? bucket[pos] : undefined };
}

/** Users the filter matches (all live users without one). */
export function filteredCount(tenant: Tenant, filter: UpnFilter | undefined): number {
  if (!filter) return tenant.liveCount;
  const bucket = upnFirstCharIndex(tenant).get(filter.prefix.charAt(0)) ?? new Int32Array(0);
  if (filter.prefix.length === 1) return bucket.length;
  let n = 0;
  for (const i of bucket) if (matches(tenant, i, filter.prefix)) n++;
  return n;
}

/** Rows the next users page of `url` will hold, for its latency: the asked $top, or fewer when the list ends sooner. */
export function usersPageRows(tenant: Tenant, q: URLSearchParams, top: number, offset: number): number {
  const filter = parseUpnFilter(q);
  if (filter === null) return 0;
  if (!filter) return Math.max(0, Math.min(top, tenant.liveCount, (tenant.day === 0 ? tenant.userCount : tenant.indexLimit) - offset));
  const bucket = upnFirstCharIndex(tenant).get(filter.prefix.charAt(0)) ?? new Int32Array(0);
  return Math.min(top, bucket.length - lowerBound(bucket, offset));
}

/** Whether the request carries `ConsistencyLevel: eventual` (advanced queries). */
export const eventual = (ex: Exchange): boolean => String(ex.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';

/** GET /users/$count: the number as text/plain; `$filter` (startswith on the UPN) narrows it. */
export function handleUsersCount(ctx: SimContext, ex: Exchange, roles: string[]): void {
  if (!hasRole(roles, ROLES.users)) return denyDirectory(ex);
  // Counting directory objects is an advanced query: without the header Graph refuses the $count segment.
  if (!eventual(ex)) return sendGraphError(ex, 400, 'Request_BadRequest', '$count is not currently supported.');
  for (const k of ['$search', '$orderby', '$expand', '$skip', '$top']) {
    if (ex.url.searchParams.has(k)) return sendGraphError(ex, 400, 'Request_UnsupportedQuery', `The simulator does not implement ${k} on users/$count.`);
  }
  const filter = parseUpnFilter(ex.url.searchParams);
  if (filter === null) return refuseFilter(ex);
  send(ex, 200, { 'content-type': 'text/plain', 'odata-version': '4.0' }, String(filteredCount(ctx.state.tenant, filter)));
}
