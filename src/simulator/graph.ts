// Microsoft Graph: bearer-token and role checks, /users (paging, $select), /subscribedSkus, assignLicense and
// admin/reportSettings. Reports live in reports.ts.
import { createHash } from 'node:crypto';
import { GRAPH_OPERATIONS } from '../graph/permissions';
import type { SimContext } from './context';
import { sendGraphError, sendGraphJson, s2sUnauthorizedBody, type Exchange } from './http';
import { decodeJwt, verifyJwt } from './jwt';
import { hash } from './prng';
import { SKU_INDEX, SKUS } from './skus';
import { formatDay, licensedServiceMask, toAssignedLicenses, toAssignmentStates, type GeneratedUser, type LicenseEntry, type Profile } from './tenant';

/** The grants each endpoint accepts, from the pipeline's one permissions table. */
export const ROLES = {
  users: GRAPH_OPERATIONS.readUsers.anyOf,
  skus: GRAPH_OPERATIONS.readSubscribedSkus.anyOf,
  reports: GRAPH_OPERATIONS.readReports.anyOf,
  assignLicense: GRAPH_OPERATIONS.assignLicense.anyOf,
  reportSettingsRead: GRAPH_OPERATIONS.readReportSettings.anyOf,
  reportSettingsWrite: GRAPH_OPERATIONS.writeReportSettings.anyOf,
  signInActivity: GRAPH_OPERATIONS.readSignInActivity.anyOf,
} as const;

const WWW_AUTH = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/** Validates the bearer token; on failure sends the 401 and returns undefined. */
export function authenticate(ctx: SimContext, ex: Exchange): string[] | undefined {
  const h = ex.req.headers.authorization;
  const fail = (msg: string): undefined => {
    sendGraphError(ex, 401, 'InvalidAuthenticationToken', msg, { 'www-authenticate': WWW_AUTH });
    return undefined;
  };
  if (!h) return fail('Access token is empty.');
  if (!/^Bearer /i.test(h)) return fail('Access token validation failure. Invalid audience.');
  const token = h.slice(7).trim();
  let claims = ctx.tokenCache.get(token);
  if (!claims) {
    const d = decodeJwt(token);
    if (!d) return fail('IDX14100: JWT is not well formed, there are no dots (.).');
    if (!verifyJwt(d, ctx.signingKey)) return fail('Access token validation failure.');
    claims = d.payload;
    if (ctx.tokenCache.size > 10_000) ctx.tokenCache.clear();
    ctx.tokenCache.set(token, claims);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) return fail('Lifetime validation failed, the token is expired.');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 300) return fail('Lifetime validation failed, the token is not yet valid.');
  if (claims.aud !== 'https://graph.microsoft.com' && claims.aud !== '00000003-0000-0000-c000-000000000000') {
    return fail('Access token validation failure. Invalid audience.');
  }
  if (claims.tid !== ctx.tenantId) return fail('Access token validation failure. Invalid tenant.');
  return Array.isArray(claims.roles) ? (claims.roles as unknown[]).filter((r): r is string => typeof r === 'string') : [];
}

export const hasRole = (roles: readonly string[], needed: readonly string[]): boolean => roles.some((r) => needed.includes(r));

export function denyDirectory(ex: Exchange): void {
  sendGraphError(ex, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}
export function denyS2S(ex: Exchange): void {
  sendGraphJson(ex, 403, s2sUnauthorizedBody(ex.req));
}

// ---- users ---------------------------------------------------------------------------------------------------

const DEFAULT_SELECT = ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'];
const KNOWN = [
  ...DEFAULT_SELECT,
  'accountEnabled', 'userType', 'createdDateTime', 'department', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates', 'signInActivity',
  'companyName', 'employeeId', 'city', 'country', 'onPremisesSyncEnabled', 'proxyAddresses', 'otherMails', 'assignedPlans', 'creationType', 'externalUserState',
];
const KNOWN_LOWER = new Map(KNOWN.map((k) => [k.toLowerCase(), k]));
const SINGLE_USER_ONLY = new Set(['aboutme', 'birthday', 'hiredate', 'interests', 'mysite', 'pastprojects', 'preferredname', 'responsibilities', 'schools', 'skills', 'mailboxsettings']);
const MAX_TOP = 999;
const SIGNIN_TOP_CAP = 500;

type Projector = (u: GeneratedUser, licenses: LicenseEntry[] | Profile | undefined) => unknown;

export interface UsersQuery {
  fields: string[];
  top: number;
}

/** Parses $select/$top; sends the 400/501 and returns undefined when invalid. */
function parseUsersQuery(ex: Exchange): UsersQuery | undefined {
  const q = ex.url.searchParams;
  for (const k of ['$filter', '$search', '$orderby', '$expand', '$skip']) {
    if (q.has(k)) {
      sendGraphError(ex, 400, 'Request_UnsupportedQuery', `The simulator does not implement ${k} on users.`);
      return undefined;
    }
  }
  let fields = DEFAULT_SELECT;
  const sel = q.get('$select');
  if (sel !== null && sel.trim() !== '') {
    fields = [];
    for (const raw of sel.split(',')) {
      const k = raw.trim().toLowerCase();
      if (k === '') continue;
      if (SINGLE_USER_ONLY.has(k)) {
        sendGraphError(ex, 501, 'Request_UnsupportedQuery', `The following properties are not supported for a list request: '${raw.trim()}'.`);
        return undefined;
      }
      const canon = KNOWN_LOWER.get(k);
      if (!canon) {
        sendGraphError(ex, 400, 'Request_BadRequest', `Could not find a property named '${raw.trim()}' on type 'Microsoft.DirectoryServices.User'.`);
        return undefined;
      }
      if (!fields.includes(canon)) fields.push(canon);
    }
    if (!fields.includes('id')) fields.unshift('id');
  }
  let top = 100;
  const t = q.get('$top');
  if (t !== null) {
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < 1 || n > MAX_TOP) {
      sendGraphError(ex, 400, 'Request_BadRequest', `Invalid page size specified: '${t}'. Must be between 1 and 999 inclusive.`);
      return undefined;
    }
    top = n;
  }
  if (fields.includes('signInActivity')) top = Math.min(top, SIGNIN_TOP_CAP);
  return { fields, top };
}

function projector(ctx: SimContext, fields: string[]): Projector {
  const refreshDay = ctx.state.refreshDay;
  const tenant = ctx.state.tenant;
  return (u, lic) => {
    let lics: LicenseEntry[] | undefined = Array.isArray(lic) ? lic : undefined;
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      switch (f) {
        case 'assignedLicenses':
          lics ??= tenant.licenses(u.index, lic as Profile | undefined);
          o[f] = toAssignedLicenses(lics);
          break;
        case 'licenseAssignmentStates':
          lics ??= tenant.licenses(u.index, lic as Profile | undefined);
          o[f] = toAssignmentStates(lics);
          break;
        case 'signInActivity': {
          const off = tenant.activity(u.index, licensedServiceMask(tenant.baselineLicenses(u.index)));
          let best = -1;
          for (const v of off) if (v >= 0 && (best < 0 || v < best)) best = v;
          const day = refreshDay - best;
          if (best < 0 || day < u.createdDay) o[f] = null;
          else {
            const ts = `${formatDay(day)}T08:${String(hash(u.index, 1) % 60).padStart(2, '0')}:00Z`;
            const rid = `${u.id.slice(0, 24)}${u.id.slice(-12)}`;
            o[f] = { lastSignInDateTime: ts, lastSignInRequestId: rid, lastNonInteractiveSignInDateTime: ts, lastNonInteractiveSignInRequestId: rid, lastSuccessfulSignInDateTime: ts, lastSuccessfulSignInRequestId: rid };
          }
          break;
        }
        case 'companyName': case 'employeeId': case 'city': case 'country': case 'externalUserState':
          o[f] = null;
          break;
        case 'onPremisesSyncEnabled':
          o[f] = null;
          break;
        case 'proxyAddresses':
          o[f] = u.mail ? [`SMTP:${u.mail}`] : [];
          break;
        case 'otherMails': case 'assignedPlans':
          o[f] = [];
          break;
        case 'creationType':
          o[f] = u.userType === 'Guest' ? 'Invitation' : null;
          break;
        default:
          o[f] = (u as unknown as Record<string, unknown>)[f] ?? null;
      }
    }
    return o;
  };
}

const TOKEN_MAGIC = 0x4d333635; // "M365"

export function makeSkipToken(ctx: SimContext, offset: number, epoch: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(TOKEN_MAGIC, 0);
  b.writeUInt32BE(epoch >>> 0, 4);
  b.writeUInt32BE(offset >>> 0, 8);
  b.writeUInt32BE(hash(ctx.state.seedValue, epoch, offset, TOKEN_MAGIC), 12);
  return 'RFNwdAIA' + b.toString('base64url');
}

export function readSkipToken(ctx: SimContext, tok: string): { offset: number; epoch: number } | undefined {
  if (!tok.startsWith('RFNwdAIA')) return undefined;
  const b = Buffer.from(tok.slice(8), 'base64url');
  if (b.length !== 16 || b.readUInt32BE(0) !== TOKEN_MAGIC) return undefined;
  const epoch = b.readUInt32BE(4);
  const offset = b.readUInt32BE(8);
  if (b.readUInt32BE(12) !== hash(ctx.state.seedValue, epoch, offset, TOKEN_MAGIC)) return undefined;
  return { offset, epoch };
}

/** Rebuild a nextLink: the same path and query options with a new $skiptoken. */
export function nextLinkFor(ctx: SimContext, ex: Exchange, token: string): string {
  const parts: string[] = [];
  for (const [k, v] of ex.url.searchParams) {
    if (k.toLowerCase() === '$skiptoken') continue;
    parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%24/g, '$')}`);
  }
  parts.push(`$skiptoken=${token}`);
  return `${ctx.graphUrl}${ex.url.pathname}?${parts.join('&')}`;
}

export function handleUsers(ctx: SimContext, ex: Exchange, version: string, roles: string[]): void {
  if (!hasRole(roles, ROLES.users)) return denyDirectory(ex);
  const q = parseUsersQuery(ex);
  if (!q) return;
  if (q.fields.includes('signInActivity') && !hasRole(roles, ROLES.signInActivity)) return denyDirectory(ex);
  const state = ctx.state;
  const tenant = state.tenant;
  let offset = 0;
  const tok = ex.url.searchParams.get('$skiptoken') ?? ex.url.searchParams.get('$skipToken');
  if (tok !== null) {
    const parsed = readSkipToken(ctx, tok);
    if (!parsed) return sendGraphError(ex, 400, 'Request_BadRequest', `Invalid $skiptoken value: '${tok}'.`);
    const page = Math.floor(parsed.offset / q.top) + 1;
    const expired = parsed.epoch !== state.pageTokenEpoch ? undefined : state.faults.expiredFires(page);
    if (parsed.epoch !== state.pageTokenEpoch || expired) {
      if (expired) {
        ex.faultText = expired.text;
        state.pageTokenEpoch++;
      }
      return sendGraphError(ex, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
    }
    offset = parsed.offset;
  }
  const wantCount = ex.url.searchParams.get('$count') === 'true';
  if (wantCount && String(ex.req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    return sendGraphError(ex, 400, 'Request_BadRequest', "$count is not currently supported without the header 'ConsistencyLevel: eventual'.");
  }
  const end = Math.min(offset + q.top, tenant.userCount);
  const project = projector(ctx, q.fields);
  const value: unknown[] = new Array(Math.max(0, end - offset));
  for (let i = offset; i < end; i++) {
    const prof = tenant.profile(i);
    const u = tenant.userAt(i, prof);
    value[i - offset] = project(u, prof);
  }
  const sel = ex.url.searchParams.get('$select');
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users${sel ? `(${q.fields.join(',')})` : ''}`,
  };
  if (wantCount && tok === null) body['@odata.count'] = tenant.userCount;
  if (end < tenant.userCount) body['@odata.nextLink'] = nextLinkFor(ctx, ex, makeSkipToken(ctx, end, state.pageTokenEpoch));
  body.value = value;
  sendGraphJson(ex, 200, body);
}

function notFound(ex: Exchange, id: string): void {
  sendGraphError(ex, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function handleUser(ctx: SimContext, ex: Exchange, version: string, roles: string[], idOrUpn: string): void {
  if (!hasRole(roles, ROLES.users)) return denyDirectory(ex);
  const q = parseUsersQuery(ex);
  if (!q) return;
  const tenant = ctx.state.tenant;
  const i = tenant.resolveUser(idOrUpn);
  if (i < 0) return notFound(ex, idOrUpn);
  const body = projector(ctx, q.fields)(tenant.userAt(i), undefined) as Record<string, unknown>;
  sendGraphJson(ex, 200, { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#users/$entity`, ...body });
}

// ---- assignLicense -------------------------------------------------------------------------------------------

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

// ---- subscribedSkus ------------------------------------------------------------------------------------------

export function handleSkus(ctx: SimContext, ex: Exchange, version: string, roles: string[]): void {
  if (!hasRole(roles, ROLES.skus)) return denyDirectory(ex);
  const tenant = ctx.state.tenant;
  const consumed = tenant.consumed();
  const sel = ex.url.searchParams.get('$select');
  if (ex.url.searchParams.has('$filter')) return sendGraphError(ex, 400, 'Request_UnsupportedQuery', 'Unsupported query: $filter is not supported on subscribedSkus.');
  const fields = sel ? sel.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
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

// ---- admin/reportSettings ------------------------------------------------------------------------------------

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

