// GET /groups/{id} and /groups?$filter=displayName eq '…': the licence groups of the simulated tenant (three per
// SKU, named "<SKU part number> licensing <n>"), enough for `settings set --exclude-group` to resolve names and ids.
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
