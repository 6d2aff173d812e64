// GET/PATCH /admin/reportSettings: the tenant's "display concealed names" switch (bare or `value`-wrapped).
import { createHash } from 'node:crypto';
import type { SimContext } from './context';
import { denyS2S, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';

export function handleReportSettings(ctx: SimContext, ex: Exchange, version: string, roles: string[]): void {
  const state = ctx.state;
  if (ex.req.method === 'PATCH') {
    if (!hasRole(roles, ROLES.reportSettingsWrite)) return denyS2S(ex);
    let body: unknown;
    try {
      body = JSON.parse(ex.body.toString('utf8'));
    } catch {
      return sendGraphError(ex, 400, 'BadRequest', 'Invalid JSON payload.');
    }
    const v = (body as { displayConcealedNames?: unknown } | null)?.displayConcealedNames;
    if (typeof v !== 'boolean') return sendGraphError(ex, 400, 'BadRequest', "Property 'displayConcealedNames' must be a boolean.");
    state.concealed = v;
    ex.res.writeHead(204, { 'request-id': createHash('md5').update(String(Date.now())).digest('hex') });
    ex.res.end();
    return;
  }
  if (!hasRole(roles, ROLES.reportSettingsRead)) return denyS2S(ex);
  const entity = { '@odata.type': '#microsoft.graph.adminReportSettings', displayConcealedNames: state.concealed };
  const ctxUrl = `${ctx.graphUrl}/${version}/$metadata#admin/reportSettings/$entity`;
  sendGraphJson(ex, 200, state.reportSettingsWrapped ? { '@odata.context': ctxUrl, value: entity } : { '@odata.context': ctxUrl, ...entity });
}
