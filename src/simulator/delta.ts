// GET /users/delta: an initial sync of every user in pages of 200 ($top ignored; a user may come twice across pages,
// as Graph warns), ending with a deltaLink; that link, used on a later simulated day (`sim --day N`), returns the
// users whose $select-ed properties changed since its day (licenseAssignmentStates alone not tracked), new users,
// and leavers as `@removed`. A link older than 7 simulated days answers 400 syncStateNotFound; `state.deltaGone`
// makes the next one answer 410 (Graph's "resync fully"). signInActivity is refused with Graph's 400.
import type { SimContext } from './context';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { hash, unit } from './prng';
import { Tenant } from './tenant';
import { parseUsersQuery, projectorFor } from './users-endpoint';

const PAGE = 200;
const TOKEN_MAGIC = 0x44454c54; // "DELT"

interface DeltaToken {
  /** 'p' = a page of a sync (initial when base < 0), 'l' = a deltaLink. */
  kind: 'p' | 'l';
  /** The simulated day the changes are counted from (-1 = initial sync: everything). */
  base: number;
  /** The simulated day the token was issued on. */
  day: number;
  /** Next user index to look at (pages only). */
  offset: number;
}

function encode(ctx: SimContext, t: DeltaToken): string {
  const body = `${t.kind}.${t.base}.${t.day}.${t.offset}`;
  const mac = hash(ctx.state.seedValue, TOKEN_MAGIC, t.base + 7 * t.day, t.offset + (t.kind === 'l' ? 1 : 0));
  return Buffer.from(`${body}.${mac}`).toString('base64url');
}

function decode(ctx: SimContext, text: string): DeltaToken | undefined {
  const parts = Buffer.from(text, 'base64url').toString('utf8').split('.');
  if (parts.length !== 5 || (parts[0] !== 'p' && parts[0] !== 'l')) return undefined;
  const [base, day, offset, mac] = parts.slice(1).map(Number) as [number, number, number, number];
  const t: DeltaToken = { kind: parts[0], base, day, offset };
  return encode(ctx, t) === text && Number.isFinite(mac) ? t : undefined;
}

/**
 * The same tenant on another simulated day, as generated (cached: a deltaLink's day is asked for once per page).
 * Without this process's assignLicense changes, so a user changed through assignLicense always counts as changed.
 */
const dayTenants = new WeakMap<Tenant, Map<number, Tenant>>();
function tenantOnDay(t: Tenant, day: number): Tenant {
  let m = dayTenants.get(t);
  if (!m) dayTenants.set(t, (m = new Map()));
  let d = m.get(day);
  if (!d) {
    d = new Tenant({ seed: t.seed, userCount: t.userCount, todayDay: t.todayDay, domain: t.domain, day, churn: t.churn, underscoreUpns: t.underscoreUpns });
    m.set(day, d);
  }
  return d;
}

export function handleUsersDelta(ctx: SimContext, ex: Exchange, version: string): void {
  const q = ex.url.searchParams;
  if (/signinactivity/i.test(q.get('$select') ?? '')) {
    return sendGraphError(
      ex,
      400,
      'Request_BadRequest',
      'Invalid request for delta query: for this entity set, $expand/$select is not supported for the following properties: signInActivity',
    );
  }
  // $top is ignored on users/delta (pages hold at most 200), and the tokens are read here.
  const plain = new URL(ex.url);
  for (const k of ['$top', '$skiptoken', '$deltatoken', '$skipToken', '$deltaToken']) plain.searchParams.delete(k);
  const query = parseUsersQuery(ctx, { ...ex, url: plain });
  if (!query) return;
  const state = ctx.state;
  const tenant = state.tenant;
  const today = tenant.day;
  const skip = q.get('$skiptoken') ?? q.get('$skipToken');
  const delta = q.get('$deltatoken') ?? q.get('$deltaToken');
  let token: DeltaToken = { kind: 'p', base: -1, day: today, offset: 0 };
  if (delta === 'latest') {
    // "From now on": no data, a deltaLink of today.
    return sendPage(ctx, ex, version, query.fields, [], { kind: 'l', base: today, day: today, offset: 0 });
  }
  const given = skip ?? delta;
  if (given !== null) {
    const t = decode(ctx, given);
    if (!t || (skip !== null && t.kind !== 'p') || (delta !== null && t.kind !== 'l')) return sendGraphError(ex, 400, 'Request_BadRequest', 'Invalid delta or skip token.');
    if (state.deltaGone) {
      state.deltaGone = false;
      ex.res.setHeader('location', `${ctx.graphUrl}/${version}/users/delta?$deltatoken=`);
      return sendGraphError(ex, 410, 'Gone', 'The sync state is no longer valid: synchronize again from the start.');
    }
    if (today - t.day > state.deltaLinkDays || t.day > today || (t.kind === 'p' && t.day !== today)) {
      return sendGraphError(ex, 400, 'syncStateNotFound', 'The delta token is expired and data must be synchronized again.');
    }
    token = t.kind === 'l' ? { kind: 'p', base: t.day, day: today, offset: 0 } : t;
  }
  const tracked = query.fields.filter((f) => f !== 'licenseAssignmentStates');
  const now = projectorFor(tenant, state.refreshDay, query.fields);
  const nowTracked = projectorFor(tenant, state.refreshDay, tracked);
  const before = token.base < 0 ? undefined : tenantOnDay(tenant, token.base);
  const beforeTracked = before ? projectorFor(before, state.refreshDay, tracked) : undefined;
  const limit = Math.max(tenant.indexLimit, before?.indexLimit ?? 0);
  const value: unknown[] = [];
  let i = token.offset;
  for (; i < limit && value.length < PAGE; i++) {
    const live = i < tenant.indexLimit && tenant.isLive(i);
    const wasLive = before !== undefined && i < before.indexLimit && before.isLive(i);
    if (!before) {
      if (live) value.push(now(tenant.userAt(i), undefined));
    } else if (live && !wasLive) value.push(now(tenant.userAt(i), undefined));
    else if (!live && wasLive) value.push({ id: tenant.userId(i), '@removed': { reason: 'changed' } });
    else if (live && JSON.stringify(nowTracked(tenant.userAt(i), undefined)) !== JSON.stringify(beforeTracked!(before.userAt(i), undefined))) {
      value.push(now(tenant.userAt(i), undefined));
    }
  }
  if (i >= limit) return sendPage(ctx, ex, version, query.fields, value, { kind: 'l', base: today, day: today, offset: 0 });
  // During an initial sync Graph may send a user again on the next page: here, now and then, the page's last one.
  const again = !before && unit(hash(state.seedValue, 0xd0b1e, i)) < 0.3 ? 1 : 0;
  sendPage(ctx, ex, version, query.fields, value, { ...token, offset: i - again });
}

function sendPage(ctx: SimContext, ex: Exchange, version: string, fields: string[], value: unknown[], next: DeltaToken): void {
  const body: Record<string, unknown> = { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users(${fields.join(',')})` };
  // Graph keeps the $select in its tokens; here it rides along in the links.
  const sel = ex.url.searchParams.get('$select');
  const link = `${ctx.graphUrl}/${version}/users/delta?${sel ? `$select=${encodeURIComponent(sel).replace(/%2C/gi, ',')}&` : ''}`;
  if (next.kind === 'l') body['@odata.deltaLink'] = `${link}$deltatoken=${encode(ctx, next)}`;
  else body['@odata.nextLink'] = `${link}$skiptoken=${encode(ctx, next)}`;
  body.value = value;
  sendGraphJson(ex, 200, body);
}
