// GET /groups/{id}/transitiveMembers/microsoft.graph.user: the users in a directory group (the approvers group, a
// group a test creates), nested groups included, with id, displayName, mail and userPrincipalName. The mail to
// approvers reads it; licence groups are not listed here.
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';

export function handleTransitiveUsers(ctx: SimContext, ex: Exchange, roles: string[], groupId: string): void {
  if (!hasRole(roles, ROLES.groups)) return denyDirectory(ex);
  const ids = ctx.state.directory.transitiveUsers(groupId);
  if (!ids) return sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${groupId}' does not exist or one of its queried reference-property objects are not present.`);
  const tenant = ctx.state.tenant;
  const value = ids
    .map((id) => tenant.indexOfId(id))
    .filter((i) => i >= 0)
    .map((i) => {
      const u = tenant.userAt(i);
      return { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, mail: u.mail, userPrincipalName: u.userPrincipalName };
    });
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/v1.0/$metadata#users`, value });
}
