// POST /users/{id}/assignLicense: validation, group-inherited and unknown-SKU errors as Graph words them, and the
// licence change kept in the tenant's overrides (logged for tests).
import type { SimContext } from './context';
import { hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { SKU_INDEX, SKUS } from './skus';
import { DEFAULT_SELECT, projector } from './users-endpoint';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function handleAssignLicense(ctx: SimContext, ex: Exchange, version: string, roles: string[], idOrUpn: string): void {
  const state = ctx.state;
  state.assignLicenseCalls++;
  const tenant = state.tenant;
  const log = { at: new Date().toISOString(), userId: idOrUpn, addLicenses: [] as string[], removeLicenses: [] as string[], status: 0 } as {
    at: string; userId: string; addLicenses: string[]; removeLicenses: string[]; status: number; error?: string;
  };
  state.assignLicenseLog.push(log);
  const fail = (status: number, code: string, message: string): void => {
    log.status = status;
    log.error = message;
    sendGraphError(ex, status, code, message);
  };
  if (!hasRole(roles, ROLES.assignLicense)) return fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const i = tenant.resolveUser(idOrUpn);
  if (i < 0) return fail(404, 'Request_ResourceNotFound', `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
  log.userId = tenant.userId(i);
  let body: unknown;
  try {
    body = JSON.parse(ex.body.toString('utf8'));
  } catch {
    return fail(400, 'Request_BadRequest', 'Invalid JSON payload.');
  }
  if (typeof body !== 'object' || body === null) return fail(400, 'Request_BadRequest', 'Invalid JSON payload.');
  const b = body as { addLicenses?: unknown; removeLicenses?: unknown };
  if (!Array.isArray(b.addLicenses)) return fail(400, 'Request_BadRequest', "The request body must contain the parameter 'addLicenses' (send [] when adding nothing).");
  if (!Array.isArray(b.removeLicenses)) return fail(400, 'Request_BadRequest', "The request body must contain the parameter 'removeLicenses' (send [] when removing nothing).");
  const adds: { skuId: string; disabledPlans: string[] }[] = [];
  for (const a of b.addLicenses as unknown[]) {
    const o = a as { skuId?: unknown; disabledPlans?: unknown } | null;
    if (!o || typeof o.skuId !== 'string' || !GUID_RE.test(o.skuId)) return fail(400, 'Request_BadRequest', 'Invalid value specified for property \'skuId\' of resource \'AssignedLicense\'.');
    const dp = o.disabledPlans ?? [];
    if (!Array.isArray(dp) || dp.some((p) => typeof p !== 'string' || !GUID_RE.test(p))) return fail(400, 'Request_BadRequest', "Invalid value specified for property 'disabledPlans' of resource 'AssignedLicense'.");
    adds.push({ skuId: o.skuId.toLowerCase(), disabledPlans: (dp as string[]).map((p) => p.toLowerCase()) });
  }
  const removes: string[] = [];
  for (const r of b.removeLicenses as unknown[]) {
    if (r === null) return fail(400, 'Request_BadRequest', "A null value was found with the expected type 'Edm.Guid[Nullable=False]'. The expected type 'Edm.Guid[Nullable=False]' does not allow null values.");
    if (typeof r !== 'string' || !GUID_RE.test(r)) return fail(400, 'Request_BadRequest', `Invalid GUID value '${String(r)}' in removeLicenses.`);
    removes.push(r.toLowerCase());
  }
  log.addLicenses = adds.map((a) => a.skuId);
  log.removeLicenses = removes;
  for (const s of [...adds.map((a) => a.skuId), ...removes]) {
    if (!SKU_INDEX.has(s)) return fail(400, 'Request_BadRequest', `License ${s} does not correspond to a valid company License.`);
  }
  const user = tenant.userAt(i);
  let entries = tenant.licenses(i).map((e) => ({ ...e, disabledPlans: e.disabledPlans.slice() }));
  for (const s of removes) {
    const k = SKU_INDEX.get(s)!;
    const direct = entries.filter((e) => e.skuIndex === k && e.assignedByGroup === null);
    const viaGroup = entries.some((e) => e.skuIndex === k && e.assignedByGroup !== null);
    if (direct.length === 0) {
      if (viaGroup) return fail(400, 'Request_BadRequest', 'User license is inherited from a group membership and it cannot be removed directly from the user.');
      return fail(400, 'Request_BadRequest', `User does not have a corresponding license ${s}.`);
    }
    entries = entries.filter((e) => !(e.skuIndex === k && e.assignedByGroup === null));
  }
  if (adds.length > 0 && !user.usageLocation) return fail(400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
  const consumed = tenant.consumed();
  const now = new Date();
  const today = Math.floor(now.getTime() / 86_400_000);
  for (const a of adds) {
    const k = SKU_INDEX.get(a.skuId)!;
    const sku = SKUS[k]!;
    const bad = a.disabledPlans.find((p) => !sku.servicePlans.some((sp) => sp.servicePlanId === p));
    if (bad) return fail(400, 'Request_BadRequest', `Service plan ${bad} is not part of license ${a.skuId}.`);
    const existing = entries.find((e) => e.skuIndex === k && e.assignedByGroup === null);
    if (existing) {
      existing.disabledPlans = a.disabledPlans;
      existing.lastUpdatedDateTime = now.toISOString().slice(0, 19) + 'Z';
      continue;
    }
    const holds = entries.some((e) => e.skuIndex === k && e.state !== 'Error');
    const pre = tenant.prepaid(k);
    if (!holds && consumed[k]! + 1 > pre.enabled) return fail(400, 'Request_BadRequest', `Subscription with SKU ${a.skuId} does not have any available licenses.`);
    entries.push({ skuIndex: k, skuId: sku.skuId, assignedByGroup: null, disabledPlans: a.disabledPlans, state: 'Active', error: null, assignedDay: today, lastUpdatedDateTime: now.toISOString().slice(0, 19) + 'Z' });
  }
  tenant.setLicenses(i, entries);
  log.status = 200;
  const body2 = projector(ctx, DEFAULT_SELECT)(user, entries) as Record<string, unknown>;
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users/$entity`, ...body2 });
}
