// GET /subscribedSkus: the catalogue with consumed and prepaid units derived from the generated assignments.
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { SKUS } from './skus';

export function handleSkus(ctx: SimContext, ex: Exchange, version: string, roles: string[]): void {
  if (!hasRole(roles, ROLES.skus)) return denyDirectory(ex);
  const tenant = ctx.state.tenant;
  const consumed = tenant.consumed();
  const sel = ex.url.searchParams.get('$select');
  if (ex.url.searchParams.has('$filter')) return sendGraphError(ex, 400, 'Request_UnsupportedQuery', 'Unsupported query: $filter is not supported on subscribedSkus.');
  const fields = sel
    ? sel
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  const value = SKUS.map((sku, k) => {
    const pre = tenant.prepaid(k);
    const full: Record<string, unknown> = {
      accountName: 'M365 Simulator',
      accountId: ctx.tenantId,
      appliesTo: 'User',
      capabilityStatus: pre.capabilityStatus,
      consumedUnits: consumed[k],
      id: `${ctx.tenantId}_${sku.skuId}`,
      skuId: sku.skuId,
      skuPartNumber: sku.skuPartNumber,
      subscriptionIds: [`${sku.skuId.slice(0, 8)}-${ctx.tenantId.slice(9)}`],
      prepaidUnits: { enabled: pre.enabled, suspended: pre.suspended, warning: pre.warning, lockedOut: pre.lockedOut },
      servicePlans: sku.servicePlans.map((p) => ({
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
        provisioningStatus: sku.kind === 'trial' && p.servicePlanName === 'FLOW_P2_VIRAL_REAL' ? 'PendingActivation' : 'Success',
        appliesTo: p.servicePlanName === 'EXCHANGE_S_FOUNDATION' ? 'Company' : 'User',
      })),
    };
    if (!fields) return full;
    const o: Record<string, unknown> = {};
    for (const f of fields) o[f] = full[f] ?? null;
    return o;
  });
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#subscribedSkus`, value });
}
