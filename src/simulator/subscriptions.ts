// GET /directory/subscriptions (companySubscription resources): one or more commerce subscriptions per SKU,
// consistent with subscribedSkus' prepaid units. Annual terms renew on their anniversary, one SPE_E3 subscription is
// month-to-month, the Power Apps trial is a trial, and the Project subscription sits in `Warning` (expired, in grace).
import type { SimContext } from './context';
import { denyDirectory, hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { formatDay } from './dates';
import { guid, hash } from './prng';
import { RandomStream } from './random-streams';
import { SKUS } from './skus';
import type { Tenant } from './tenant';

export interface SimSubscription {
  id: string;
  commerceSubscriptionId: string;
  createdDateTime: string;
  isTrial: boolean;
  nextLifecycleDateTime: string | null;
  ownerId: string | null;
  ownerTenantId: string | null;
  ownerType: string | null;
  serviceStatus: Array<{ appliesTo: string; provisioningStatus: string; servicePlanId: string; servicePlanName: string }>;
  skuId: string;
  skuPartNumber: string;
  status: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  totalLicenses: number;
}

const at = (day: number): string => `${formatDay(day)}T00:00:00Z`;

export function tenantSubscriptions(t: Tenant): SimSubscription[] {
  const out: SimSubscription[] = [];
  SKUS.forEach((sku, k) => {
    const p = t.prepaid(k);
    const make = (n: number, seats: number, status: SimSubscription['status'], created: number, next: number | null, trial = false): void => {
      const direct = hash(t.seed, RandomStream.SubscriptionOwner, k, n) % 3 !== 0;
      out.push({
        id: guid(t.seed, RandomStream.Subscription + k, n),
        commerceSubscriptionId: guid(t.seed, RandomStream.CommerceSubscription + k, n),
        createdDateTime: at(created),
        isTrial: trial,
        nextLifecycleDateTime: next === null ? null : at(next),
        // Direct purchases carry no partner; some have no owner recorded at all (nullability is unconfirmed).
        ownerId: direct ? guid(t.seed, RandomStream.SubscriptionOwner) : null,
        ownerTenantId: null,
        ownerType: direct ? 'User' : null,
        serviceStatus: sku.servicePlans.map((sp) => ({
          appliesTo: sp.servicePlanName === 'EXCHANGE_S_FOUNDATION' ? 'Company' : 'User',
          provisioningStatus: 'Success',
          servicePlanId: sp.servicePlanId,
          servicePlanName: sp.servicePlanName,
        })),
        skuId: sku.skuId,
        skuPartNumber: sku.skuPartNumber,
        status,
        totalLicenses: seats,
      });
    };
    const today = t.todayDay;
    const age = 30 + (hash(t.seed, RandomStream.SubscriptionAge, k) % 700); // days since the first purchase
    const created = today - age;
    const anniversary = created + 365 * Math.ceil((age + 1) / 365);
    if (sku.kind === 'free') return make(0, p.enabled, 'Enabled', created, null);
    if (sku.kind === 'trial') return make(0, p.enabled, 'Enabled', today - 5, today + 25, true);
    if (p.warning > 0) make(0, p.warning, 'Warning', created, today + 20);
    if (p.enabled <= 0) return;
    if (sku.skuPartNumber === 'SPE_E3' && p.enabled > 2) {
      // Seats bought month to month on top of the annual commitment: they renew within the month.
      const monthly = Math.max(1, Math.ceil(p.enabled * 0.05));
      make(0, p.enabled - monthly, 'Enabled', created, anniversary);
      make(1, monthly, 'Enabled', today - 40, today + 1 + (hash(t.seed, RandomStream.SubscriptionRenewal, k) % 28));
      return;
    }
    make(0, p.enabled, 'Enabled', created, anniversary);
  });
  return out;
}

export function handleSubscriptions(ctx: SimContext, ex: Exchange, version: string, roles: string[], id?: string): void {
  if (!hasRole(roles, ROLES.subscriptions)) return denyDirectory(ex);
  const subs = tenantSubscriptions(ctx.state.tenant);
  if (id !== undefined) {
    const key = /^commerceSubscriptionId='([^']*)'$/.exec(id)?.[1];
    const s = subs.find((x) => (key !== undefined ? x.commerceSubscriptionId === key : x.id === id));
    if (!s) return sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    return sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#directory/subscriptions/$entity`, ...s });
  }
  for (const k of ['$top', '$skip', '$count', '$expand']) {
    if (ex.url.searchParams.has(k)) return sendGraphError(ex, 400, 'Request_UnsupportedQuery', `The query option ${k} is not supported on companySubscription.`);
  }
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#directory/subscriptions`, value: subs });
}
