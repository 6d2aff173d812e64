// The usage reports' rows as Microsoft sends them: their columns and one user's typed row on a refresh day,
// generated from the tenant. reports.ts writes them as CSV or paged JSON.
import { createHash } from 'node:crypto';
import type { ReportName } from './context';
import { formatDay } from './dates';
import { dayActivity, DELETED_ROW_DAYS, returnDayOf } from './days';
import { licensedServiceMask, type LicenseEntry } from './licences';
import { SKUS, SERVICES, serviceMask } from './skus';
import type { Tenant } from './tenant';

// Written apart from the pipeline's staging contract (src/shared/staging-contract.ts) on purpose: the simulator plays
// Microsoft's side of the wire, so a change to the pipeline's expected columns must not change what it is sent.
export const ACTIVE_USER_COLUMNS = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  'Has Exchange License',
  'Has OneDrive License',
  'Has SharePoint License',
  'Has Skype For Business License',
  'Has Yammer License',
  'Has Teams License',
  'Exchange Last Activity Date',
  'OneDrive Last Activity Date',
  'SharePoint Last Activity Date',
  'Skype For Business Last Activity Date',
  'Yammer Last Activity Date',
  'Teams Last Activity Date',
  'Exchange License Assign Date',
  'OneDrive License Assign Date',
  'SharePoint License Assign Date',
  'Skype For Business License Assign Date',
  'Yammer License Assign Date',
  'Teams License Assign Date',
  'Assigned Products',
] as const;

export const EMAIL_ACTIVITY_COLUMNS = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  'Last Activity Date',
  'Send Count',
  'Receive Count',
  'Read Count',
  'Meeting Created Count',
  'Meeting Interacted Count',
  'Assigned Products',
  'Report Period',
] as const;

export type Cell = string | number | boolean | null | string[];

const md5Upper = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/** Total report rows (live users plus recently deleted users); rows of users created after the refresh date are skipped. */
export const reportIndexCount = (t: Tenant): number => t.indexLimit;

/**
 * The row for user index i as of `refreshDay`, or undefined when the user did not exist yet on that day.
 * Values are typed (booleans, numbers, arrays); the CSV and JSON writers render them.
 */
export function reportRow(t: Tenant, report: ReportName, i: number, refreshDay: number, days: number, concealed: boolean): Cell[] | undefined {
  const prof = t.profile(i);
  if (prof.createdDay > refreshDay) return undefined;
  const u = t.userAt(i, prof);
  const r = t.reportRng(i, 1);
  // Day N: events of evolution days 1..n are visible (n = refresh date - day 0's today, so reports lag like Graph's);
  // generated offsets count back from `anchor`, which stays at day 0's refresh date once days move.
  const n = refreshDay - t.todayDay;
  const anchor = t.day === 0 ? refreshDay : Math.min(refreshDay, t.todayDay - 2);
  const leave = t.leaveDayOf(i);
  const deleted = u.deleted || leave <= n;
  let deletedOffset = u.deleted ? r.int(30) : -1;
  if (!u.deleted && deleted) deletedOffset = anchor - (t.todayDay + leave);
  if (deleted && t.day > 0 && refreshDay - (anchor - deletedOffset) >= DELETED_ROW_DAYS) return undefined;
  const entries: LicenseEntry[] = [];
  const masks: number[] = [];
  let mask = 0;
  if (!deleted) {
    for (const e of t.dayLicenses(i, n, prof)) {
      if (e.state === 'Error' || e.assignedDay > refreshDay) continue;
      const m = serviceMask(SKUS[e.skuIndex]!, e.disabledPlans);
      entries.push(e);
      masks.push(m);
      mask |= m;
    }
  }
  // Once days move, offsets come from day 0's licences and hires only have days' activity, on their first
  // licence's services, so a licence change or leaving never moves a date backwards.
  const hired = t.day === 0 ? 0 : t.hireDayOf(i);
  const actMask = t.day === 0 || u.deleted ? (deleted ? 0b111111 : mask) : licensedServiceMask(t.baselineLicenses(i, prof), anchor);
  const offsets = t.activity(i, actMask, prof);
  const hireMask = hired > 0 ? licensedServiceMask(t.dayLicenses(i, hired, prof)) : 0;
  if (hired > 0) offsets.fill(-1);
  const person = prof.kind === 'member' || prof.kind === 'guest';
  // A long-inactive person back from leave is active on the services licensed on the return day (returnsPerDay).
  const back = t.day === 0 || u.deleted ? Infinity : returnDayOf(t, i, offsets, person && prof.enabled);
  const backMask = back <= n ? licensedServiceMask(t.dayLicenses(i, back, prof)) : 0;
  const active = t.day === 0 ? 0 : dayActivity(t, i, offsets, n, hired, leave, person, back);
  const last: (string | null)[] = [];
  for (let s = 0; s < SERVICES.length; s++) {
    let o = offsets[s]!;
    if (active > 0 && (o >= 0 || ((hireMask | backMask) & (1 << s)) !== 0)) {
      last.push(formatDay(t.todayDay + active));
      continue;
    }
    if (o < 0) {
      last.push(null);
      continue;
    }
    if (u.deleted && o < deletedOffset) o = deletedOffset + o;
    const d = anchor - o;
    last.push(d >= u.createdDay ? formatDay(d) : null);
  }
  const products: string[] = [];
  for (const e of entries) {
    const name = SKUS[e.skuIndex]!.reportName;
    if (!products.includes(name)) products.push(name);
  }
  const upn = concealed ? md5Upper(u.userPrincipalName) : u.userPrincipalName;
  const name = concealed ? md5Upper(u.displayName) : u.displayName;
  const refresh = formatDay(refreshDay);
  const deletedDate = deleted ? formatDay(anchor - deletedOffset) : null;
  if (report === 'getEmailActivityUserDetail') {
    const exo = last[0]!;
    let counts: (number | null)[];
    if (exo === null) counts = [null, null, null, null, null];
    else if (offsets[0]! < days) {
      counts = [1 + r.int(6 * days), 5 + r.int(25 * days), 3 + r.int(18 * days), r.int(days), r.int(2 * days)];
    } else counts = [0, 0, 0, 0, 0];
    return [refresh, upn, name, deleted, deletedDate, exo, counts[0]!, counts[1]!, counts[2]!, counts[3]!, counts[4]!, products, String(days)];
  }
  const row: Cell[] = [refresh, upn, name, deleted, deletedDate];
  for (let s = 0; s < SERVICES.length; s++) row.push((mask & (1 << s)) !== 0);
  for (let s = 0; s < SERVICES.length; s++) row.push(last[s]!);
  for (let s = 0; s < SERVICES.length; s++) {
    let best = Infinity;
    for (let k = 0; k < entries.length; k++) if (entries[k]!.assignedDay < best && masks[k]! & (1 << s)) best = entries[k]!.assignedDay;
    row.push(best === Infinity ? null : formatDay(best));
  }
  row.push(products);
  return row;
}
