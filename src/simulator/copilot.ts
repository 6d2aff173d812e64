// Microsoft 365 Copilot usage user detail: GET /v1.0/copilot/reports/
// getMicrosoft365CopilotUsageUserDetail(period='D7') answers 200 with the CSV directly (as Microsoft's doc shows),
// one row per Copilot licence holder. Copilot use follows the user's overall activity: nobody uses Copilot more
// recently than they use Microsoft 365 at all, and a share of holders never touch it.
import { createHash } from 'node:crypto';
import type { SimContext } from './context';
import { formatDay } from './dates';
import { denyS2S, hasRole, ROLES } from './graph-access';
import { send, sendGraphError, type Exchange } from './http';
import { SKUS, SERVICES, serviceMask, skuIndexByPart } from './skus';
import type { Tenant } from './tenant';

/** The v1.0 header, exactly as Microsoft documents it (13 columns, version v1). */
export const COPILOT_USAGE_COLUMNS = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Last Activity Date',
  'Copilot Chat Last Activity Date',
  'Microsoft Teams Copilot Last Activity Date',
  'Word Copilot Last Activity Date',
  'Excel Copilot Last Activity Date',
  'PowerPoint Copilot Last Activity Date',
  'Outlook Copilot Last Activity Date',
  'OneNote Copilot Last Activity Date',
  'Loop Copilot Last Activity Date',
  'Report Period',
] as const;

export const COPILOT_SKU = skuIndexByPart('Microsoft_365_Copilot');
const PERIODS: Record<string, number> = { D7: 7, D30: 30, D90: 90, D180: 180, ALL: 180 };
const md5Upper = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
const cell = (v: string | null): string => (v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The Copilot row of user i as of refreshDay, or undefined when the user held no Copilot licence that day. */
export function copilotRow(t: Tenant, i: number, refreshDay: number, days: number, concealed: boolean): (string | null)[] | undefined {
  const prof = t.profile(i);
  if (prof.createdDay > refreshDay) return undefined;
  const lic = t.baselineLicenses(i, prof).filter((e) => e.state !== 'Error' && e.assignedDay <= refreshDay);
  if (!lic.some((e) => e.skuIndex === COPILOT_SKU)) return undefined;
  const u = t.userAt(i, prof);
  let mask = 0;
  for (const e of lic) mask |= serviceMask(SKUS[e.skuIndex]!, e.disabledPlans);
  const offsets = t.activity(i, mask, prof);
  let recent = -1;
  for (let s = 0; s < SERVICES.length; s++) if (offsets[s]! >= 0 && (recent < 0 || offsets[s]! < recent)) recent = offsets[s]!;
  const r = t.reportRng(i, 7);
  const c = r.float();
  // Never used: the user is not active at all, or one holder in four never opens Copilot.
  let last: number | null = null;
  if (recent >= 0 && c >= 0.25) last = refreshDay - (recent + (c < 0.7 ? r.int(3) : 7 + r.int(60)));
  const date = (d: number | null): string | null => (d === null || d < u.createdDay ? null : formatDay(d));
  const app = (p: number): string | null => (last !== null && r.chance(p) ? date(last - r.int(5)) : null);
  const chat = date(last);
  return [
    formatDay(refreshDay),
    concealed ? md5Upper(u.userPrincipalName) : u.userPrincipalName,
    concealed ? md5Upper(u.displayName) : u.displayName,
    chat,
    chat,
    app(0.6),
    app(0.5),
    app(0.3),
    app(0.2),
    app(0.5),
    app(0.05),
    app(0.05),
    String(days),
  ];
}

export function handleCopilotReport(ctx: SimContext, ex: Exchange, version: string, roles: string[], segment: string): void {
  if (!hasRole(roles, ROLES.reports)) return denyS2S(ex);
  const m = /^getMicrosoft365CopilotUsageUserDetail\(\s*period\s*=\s*'([^']*)'\s*(?:,\s*version\s*=\s*'?(v1|v2)'?\s*)?\)$/.exec(segment);
  if (!m) return sendGraphError(ex, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
  const days = PERIODS[m[1]!];
  if (days === undefined) return sendGraphError(ex, 400, 'BadRequest', `Invalid period '${m[1]}'. Supported values: D7, D30, D90, D180, ALL.`);
  const format = ex.url.searchParams.get('$format');
  if (version === 'v1.0' && format !== null && format !== 'text/csv') return sendGraphError(ex, 400, 'BadRequest', `Unsupported $format '${format}'.`);
  const t = ctx.state.tenant;
  const lines = [`\ufeff${COPILOT_USAGE_COLUMNS.join(',')}`];
  // Copilot holders are a small share of the tenant: the whole CSV fits in memory.
  for (let i = 0; i < t.userCount; i++) {
    const row = copilotRow(t, i, ctx.state.refreshDay, days, ctx.state.concealed);
    if (row) lines.push(row.map(cell).join(','));
  }
  send(ex, 200, { 'content-type': 'application/octet-stream' }, `${lines.join('\r\n')}\r\n`);
}
