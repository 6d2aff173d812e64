// GET /groups/{id} and /groups?$filter=displayName eq '…': the licence groups of the simulated tenant (three per
// SKU, named "<SKU part number> licensing <n>"), enough for `settings set --exclude-group` to resolve names and ids;
// and POST /users/{id}/checkMemberGroups over the directory's groups (at most 20 ids, transitive, unknown ids dropped).
import { allows } from '../graph/permissions';
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { SKUS } from './skus';

interface SimGroup {
  id: string;
  displayName: string;
}

function allGroups(ctx: SimContext): SimGroup[] {
  return SKUS.flatMap((sku, k) => [0, 1, 2].map((g) => ({ id: ctx.state.tenant.groupId(k, g), displayName: `${sku.skuPartNumber} licensing ${g + 1}` })));
}

export function handleGroups(ctx: SimContext, ex: Exchange, roles: string[], id: string | undefined): void {
  if (!hasRole(roles, ROLES.groups)) return denyDirectory(ex);
  const groups = allGroups(ctx);
  if (id !== undefined) {
    const g = groups.find((x) => x.id === id.toLowerCase());
    if (!g) return sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    return sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/v1.0/$metadata#groups/$entity`, ...g });
  }
  const filter = ex.url.searchParams.get('$filter');
  const m = filter === null ? null : /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
  if (filter !== null && !m) return sendGraphError(ex, 400, 'Request_UnsupportedQuery', "The simulator supports only $filter=displayName eq '…' on groups.");
  const name = m ? m[1]!.replaceAll("''", "'") : undefined;
  const value = name === undefined ? groups : groups.filter((g) => g.displayName.toLowerCase() === name.toLowerCase());
  return sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/v1.0/$metadata#groups`, value });
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Graph takes at most this many group ids per checkMemberGroups call. */
const MAX_GROUP_IDS = 20;

export function handleCheckMemberGroups(ctx: SimContext, ex: Exchange, version: string, roles: string[], idOrUpn: string): void {
  // On a user it takes both: reading the user and reading group membership (Directory.Read.All gives both).
  if (!allows(roles, 'readUsers') || !allows(roles, 'checkMemberGroups')) return denyDirectory(ex);
  const tenant = ctx.state.tenant;
  const i = tenant.resolveUser(idOrUpn);
  if (i < 0) return sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
  let body: unknown;
  try {
    body = JSON.parse(ex.body.toString('utf8'));
  } catch {
    return sendGraphError(ex, 400, 'Request_BadRequest', 'Invalid JSON payload.');
  }
  const ids = (body as { groupIds?: unknown } | null)?.groupIds;
  if (!Array.isArray(ids) || ids.some((g) => typeof g !== 'string' || !GUID_RE.test(g))) {
    return sendGraphError(ex, 400, 'Request_BadRequest', "The request body must contain 'groupIds', an array of group object ids.");
  }
  if (ids.length > MAX_GROUP_IDS) return sendGraphError(ex, 400, 'Request_BadRequest', `Too many ids in 'groupIds': at most ${MAX_GROUP_IDS} are allowed.`);
  const value = ctx.state.directory.memberOf(tenant.userId(i), ids as string[]);
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#Collection(Edm.String)`, value });
}
