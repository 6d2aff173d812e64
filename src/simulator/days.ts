// A tenant that moves through days: day N (0 = the generated tenant) of the same seed, computed directly from
// (seed, user index, N) with no state carried between days, so day 30 costs the same as day 1. Each kind of change
// draws from its own appended RandomStream, so day 0 stays byte-identical to the tenant before days existed.
// Shares are of the day-0 user count, per day (returns: of the long-inactive people). Hires take indices after the
// report-only deleted users.
import { formatDay, timeOf } from './dates';
import type { LicenseEntry } from './licences';
import { hash, unit } from './prng';
import { RandomStream, userHash, userRng } from './random-streams';
import { SKUS, skuIndexByPart } from './skus';

export interface Churn {
  /** New users per day, as a share of the day-0 user count (default 0.001). */
  hiresPerDay: number;
  /** Users deleted per day, as a share (default 0.001). */
  leaversPerDay: number;
  /** Users whose licences change per day, as a share (default 0.005). */
  licenceChangesPerDay: number;
  /** Enabled members disabled per day, as a share (default 0.0005). */
  disabledPerDay: number;
  /** Share of active users (activity in the 30 days before day 0, or hired since) active on a given day (default 0.6). */
  activeShare: number;
  /**
   * Long-inactive people (enabled members and guests with no activity in the 30 days before day 0) who become
   * active again per day, as a share of them (default 0.001): people back from leave. From their return day they
   * are active like everyone else, on their licensed services; the reclamation re-check must notice them.
   */
  returnsPerDay: number;
}

export const DEFAULT_CHURN: Readonly<Churn> = {
  hiresPerDay: 0.001,
  leaversPerDay: 0.001,
  licenceChangesPerDay: 0.005,
  disabledPerDay: 0.0005,
  activeShare: 0.6,
  returnsPerDay: 0.001,
};

/** How many days a leaver's report rows still show `Is Deleted` before they are gone. */
export const DELETED_ROW_DAYS = 30;

export class ChurnSpecError extends Error {
  override readonly name = 'ChurnSpecError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      `${message}. Give a JSON object, e.g. {"hiresPerDay":0.001,"leaversPerDay":0.001}, or key=value pairs "hiresPerDay=0.001,leaversPerDay=0.002"; each value a share in [0,1].`,
      options,
    );
  }
}

/** Churn from a partial object or a spec string (JSON or `key=value,...`); missing keys take the defaults. */
export function parseChurn(spec: string | Partial<Churn> | undefined): Churn {
  let o: Record<string, unknown> = {};
  if (typeof spec === 'string') {
    const s = spec.trim();
    if (s.startsWith('{')) {
      try {
        o = JSON.parse(s) as Record<string, unknown>;
      } catch (e) {
        throw new ChurnSpecError(`churn spec is not valid JSON: ${s}`, { cause: e });
      }
    } else if (s) {
      for (const part of s.split(',')) {
        const [k, v] = part.split('=').map((x) => x.trim());
        if (!k || v === undefined) throw new ChurnSpecError(`churn spec part "${part}" is not key=value`);
        o[k] = Number(v);
      }
    }
  } else if (spec) o = { ...spec };
  const out: Churn = { ...DEFAULT_CHURN };
  for (const [k, v] of Object.entries(o)) {
    if (!(k in DEFAULT_CHURN)) throw new ChurnSpecError(`unknown churn key "${k}" (known: ${Object.keys(DEFAULT_CHURN).join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new ChurnSpecError(`churn ${k} must be a number in [0,1], got ${String(v)}`);
    out[k as keyof Churn] = v;
  }
  return out;
}

/** Hires made on days 1..n. */
export const hiresThrough = (userCount: number, c: Churn, n: number): number => (n <= 0 ? 0 : Math.floor(userCount * c.hiresPerDay * n + 1e-9));

/** The day (1..) on which hire k (0-based) joins. */
export function hireDay(userCount: number, c: Churn, k: number): number {
  const rate = userCount * c.hiresPerDay;
  let d = Math.max(1, Math.floor(k / rate) + 1);
  while (d > 1 && hiresThrough(userCount, c, d - 1) > k) d--;
  while (hiresThrough(userCount, c, d) <= k) d++;
  return d;
}

/** The day (1..) a user's event of a per-day share happens, or Infinity: uniform hash u leaves on day floor(u/share)+1. */
function eventDay(seed: number, i: number, stream: RandomStream, share: number): number {
  if (share <= 0) return Infinity;
  return Math.floor(unit(userHash(seed, i, stream)) / share) + 1;
}

export const leaveDayOf = (seed: number, i: number, c: Churn): number => eventDay(seed, i, RandomStream.DayLeave, c.leaversPerDay);
export const disableDayOf = (seed: number, i: number, c: Churn): number => eventDay(seed, i, RandomStream.DayDisable, c.disabledPerDay);

/** Some activity in the 30 days before day 0 (offsets count back from day 0's refresh date). */
const recentlyActive = (offsets: Int16Array): boolean => offsets.some((o) => o >= 0 && o < 30);

/** The latest day in (after, upTo] the user is active, or 0: one hash per day, walking back from upTo. */
export function latestActiveDay(seed: number, i: number, c: Churn, after: number, upTo: number): number {
  for (let d = upTo; d > after; d--) if (unit(hash(seed, i, RandomStream.DayActivity, d)) < c.activeShare) return d;
  return 0;
}

const BASE_SKU = skuIndexByPart('SPE_E3');
const HIRE_SKUS = ['SPE_E3', 'SPE_E5', 'O365_BUSINESS_PREMIUM'].map(skuIndexByPart);
const ADDON_SKUS = ['POWER_BI_PRO', 'VISIOCLIENT', 'PROJECTPROFESSIONAL', 'POWER_BI_STANDARD'].map(skuIndexByPart);

function directEntry(seed: number, i: number, skuIndex: number, day: number): LicenseEntry {
  return {
    skuIndex,
    skuId: SKUS[skuIndex]!.skuId,
    assignedByGroup: null,
    disabledPlans: [],
    state: 'Active',
    error: null,
    assignedDay: day,
    lastUpdatedDateTime: formatDay(day) + timeOf(hash(seed, i, RandomStream.DayHire, skuIndex)),
  };
}

/** A hire's licence on joining (90% get a base suite, assigned directly). */
export function hireLicences(seed: number, i: number, joinDay: number): LicenseEntry[] {
  const r = userRng(seed, i, RandomStream.DayHire);
  return r.chance(0.9) ? [directEntry(seed, i, r.pick(HIRE_SKUS), joinDay)] : [];
}

/**
 * Applies the licence changes of days (from, upTo] to `entries` (a fresh copy is returned when anything changes).
 * Change days follow a geometric process of the per-day share, so finding them costs O(1 + changes). A change
 * removes one held SKU (half the time), or adds an add-on not held; a user holding nothing gets a base suite.
 */
export function applyLicenceChanges(seed: number, i: number, c: Churn, entries: LicenseEntry[], dayZero: number, from: number, upTo: number): LicenseEntry[] {
  const p = c.licenceChangesPerDay;
  if (p <= 0 || upTo <= from) return entries;
  const r = userRng(seed, i, RandomStream.DayLicence);
  const logq = Math.log(1 - Math.min(p, 0.999999));
  let out = entries;
  for (let d = from; ;) {
    d += 1 + Math.floor(Math.log(1 - r.float()) / logq);
    if (d > upTo) break;
    const held = [...new Set(out.filter((e) => e.state !== 'Error').map((e) => e.skuIndex))];
    const roll = r.float();
    const addon = ADDON_SKUS[Math.floor(r.float() * ADDON_SKUS.length)]!;
    if (held.length === 0) out = [...out, directEntry(seed, i, BASE_SKU, dayZero + d)];
    else if (roll < 0.5 || held.includes(addon)) {
      const drop = held[Math.floor(r.float() * held.length)]!;
      out = out.filter((e) => e.skuIndex !== drop);
    } else out = [...out, directEntry(seed, i, addon, dayZero + d)];
  }
  return out;
}

/** What dayActivity needs of the tenant. */
export interface DayTenant {
  readonly seed: number;
  readonly userCount: number;
  readonly churn: Churn;
  disableDayOf(i: number): number;
}

/**
 * The evolution day (1..) a long-inactive day-0 user returns, or Infinity: only enabled people (members, guests)
 * without activity in the 30 days before day 0 return; active users keep the activeShare rhythm instead.
 */
export function returnDayOf(t: DayTenant, i: number, offsets: Int16Array, enabledPerson: boolean): number {
  if (i >= t.userCount || !enabledPerson || recentlyActive(offsets)) return Infinity;
  return eventDay(t.seed, i, RandomStream.DayReturn, t.churn.returnsPerDay);
}

/**
 * The latest evolution day (<= n) a continuing user was active on, or 0: hires from their first day, day-0 users
 * only if active in the 30 days before day 0, or from their return day (`back`, see returnDayOf) on, when they
 * are active on the return day itself; never after leaving or being disabled.
 */
export function dayActivity(t: DayTenant, i: number, offsets: Int16Array, n: number, hired: number, leave: number, person: boolean, back = Infinity): number {
  if (n <= 0 || (i >= t.userCount && hired === 0)) return 0;
  const upTo = Math.min(n, leave - 1, t.disableDayOf(i) - 1);
  if (hired === 0 && back !== Infinity) return back > upTo ? 0 : latestActiveDay(t.seed, i, t.churn, back, upTo) || back;
  if (hired === 0 && (!recentlyActive(offsets) || !person)) return 0;
  return latestActiveDay(t.seed, i, t.churn, Math.max(0, hired - 1), upTo);
}
