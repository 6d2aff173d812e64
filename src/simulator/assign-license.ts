// POST /users/{id}/assignLicense: validation, group-inherited and unknown-SKU errors as Graph words them, and the
// licence change kept in the tenant's overrides (logged for tests).
import type { SimContext } from './context';
import type { LicenseEntry } from './licences';
import type { Tenant } from './tenant';
import { hasRole, ROLES } from './graph-access';
import { sendGraphError, sendGraphJson, type Exchange } from './http';
import { SKU_INDEX, SKUS } from './skus';
import { DEFAULT_SELECT, projector } from './users-endpoint';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type LicenseAdd = { skuId: string; disabledPlans: string[] };
/** A 400 Request_BadRequest with Graph's own message. */
type BadRequest = { bad: string };

export function handleAssignLicense(ctx: SimContext, ex: Exchange, version: string, roles: string[], idOrUpn: string): void {
  const state = ctx.state;
  state.assignLicenseCalls++;
  const tenant = state.tenant;
  const log = { at: new Date().toISOString(), userId: idOrUpn, addLicenses: [] as string[], removeLicenses: [] as string[], status: 0 } as {
    at: string;
    userId: string;
    addLicenses: string[];
    removeLicenses: string[];
    status: number;
    error?: string;
  };
  state.assignLicenseLog.push(log);
  const fail = (status: number, code: string, message: string): void => {
    log.status = status;
    log.error = message;
    sendGraphError(ex, status, code, message);
  };
  const badRequest = (r: BadRequest): void => fail(400, 'Request_BadRequest', r.bad);
  if (!hasRole(roles, ROLES.assignLicense)) return fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const i = tenant.resolveUser(idOrUpn);
  if (i < 0) return fail(404, 'Request_ResourceNotFound', `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
  log.userId = tenant.userId(i);
  const change = readChange(ex.body);
  if ('bad' in change) return badRequest(change);
  const { adds, removes } = change;
  log.addLicenses = adds.map((a) => a.skuId);
  log.removeLicenses = removes;
  for (const s of [...adds.map((a) => a.skuId), ...removes]) {
    if (!SKU_INDEX.has(s)) return badRequest({ bad: `License ${s} does not correspond to a valid company License.` });
  }
  const user = tenant.userAt(i);
  const entries = removeDirect(
    tenant.licenses(i).map((e) => ({ ...e, disabledPlans: e.disabledPlans.slice() })),
    removes,
  );
  if ('bad' in entries) return badRequest(entries);
  if (adds.length > 0 && !user.usageLocation) return badRequest({ bad: 'License assignment cannot be done for user with invalid usage location.' });
  const added = addDirect(tenant, entries, adds);
  if (added) return badRequest(added);
  tenant.setLicenses(i, entries);
  log.status = 200;
  const body2 = projector(ctx, DEFAULT_SELECT)(user, entries) as Record<string, unknown>;
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users/$entity`, ...body2 });
}

/** The request body's licences to add and remove (lower-cased), or the error Graph gives for the first bad value. */
function readChange(raw: Buffer): { adds: LicenseAdd[]; removes: string[] } | BadRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { bad: 'Invalid JSON payload.' };
  }
  if (typeof body !== 'object' || body === null) return { bad: 'Invalid JSON payload.' };
  const b = body as { addLicenses?: unknown; removeLicenses?: unknown };
  if (!Array.isArray(b.addLicenses)) return { bad: "The request body must contain the parameter 'addLicenses' (send [] when adding nothing)." };
  if (!Array.isArray(b.removeLicenses)) return { bad: "The request body must contain the parameter 'removeLicenses' (send [] when removing nothing)." };
  const adds: LicenseAdd[] = [];
  for (const a of b.addLicenses as unknown[]) {
    const o = a as { skuId?: unknown; disabledPlans?: unknown } | null;
    if (!o || typeof o.skuId !== 'string' || !GUID_RE.test(o.skuId)) return { bad: "Invalid value specified for property 'skuId' of resource 'AssignedLicense'." };
    const dp = o.disabledPlans ?? [];
    if (!Array.isArray(dp) || dp.some((p) => typeof p !== 'string' || !GUID_RE.test(p)))
      return { bad: "Invalid value specified for property 'disabledPlans' of resource 'AssignedLicense'." };
    adds.push({ skuId: o.skuId.toLowerCase(), disabledPlans: (dp as string[]).map((p) => p.toLowerCase()) });
  }
  const removes: string[] = [];
  for (const r of b.removeLicenses as unknown[]) {
    if (r === null)
      return { bad: "A null value was found with the expected type 'Edm.Guid[Nullable=False]'. The expected type 'Edm.Guid[Nullable=False]' does not allow null values." };
    if (typeof r !== 'string' || !GUID_RE.test(r)) return { bad: `Invalid GUID value '${String(r)}' in removeLicenses.` };
    removes.push(r.toLowerCase());
  }
  return { adds, removes };
}

/** The entries without the direct assignments of `removes`; a licence held only through a group cannot be removed. */
function removeDirect(entries: LicenseEntry[], removes: string[]): LicenseEntry[] | BadRequest {
  for (const s of removes) {
    const k = SKU_INDEX.get(s)!;
    const direct = entries.filter((e) => e.skuIndex === k && e.assignedByGroup === null);
    const viaGroup = entries.some((e) => e.skuIndex === k && e.assignedByGroup !== null);
    if (direct.length === 0) {
      if (viaGroup) return { bad: 'User license is inherited from a group membership and it cannot be removed directly from the user.' };
      return { bad: `User does not have a corresponding license ${s}.` };
    }
    entries = entries.filter((e) => !(e.skuIndex === k && e.assignedByGroup === null));
  }
  return entries;
}

/** Adds (or updates the disabled plans of) direct assignments in `entries`, within the tenant's prepaid units. */
function addDirect(tenant: Tenant, entries: LicenseEntry[], adds: LicenseAdd[]): BadRequest | undefined {
  const consumed = tenant.consumed();
  const now = new Date();
  const today = Math.floor(now.getTime() / 86_400_000);
  for (const a of adds) {
    const k = SKU_INDEX.get(a.skuId)!;
    const sku = SKUS[k]!;
    const bad = a.disabledPlans.find((p) => !sku.servicePlans.some((sp) => sp.servicePlanId === p));
    if (bad) return { bad: `Service plan ${bad} is not part of license ${a.skuId}.` };
    const existing = entries.find((e) => e.skuIndex === k && e.assignedByGroup === null);
    if (existing) {
      existing.disabledPlans = a.disabledPlans;
      existing.lastUpdatedDateTime = now.toISOString().slice(0, 19) + 'Z';
      continue;
    }
    const holds = entries.some((e) => e.skuIndex === k && e.state !== 'Error');
    const pre = tenant.prepaid(k);
    if (!holds && consumed[k]! + 1 > pre.enabled) return { bad: `Subscription with SKU ${a.skuId} does not have any available licenses.` };
    entries.push({
      skuIndex: k,
      skuId: sku.skuId,
      assignedByGroup: null,
      disabledPlans: a.disabledPlans,
      state: 'Active',
      error: null,
      assignedDay: today,
      lastUpdatedDateTime: now.toISOString().slice(0, 19) + 'Z',
    });
  }
  return undefined;
}
