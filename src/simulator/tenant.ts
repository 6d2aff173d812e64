// Deterministic tenant: users, licences and activity generated on demand from (seed, index), so a million users
// cost almost no memory. Only licence changes made through assignLicense are stored (a Map of overrides).
// The generating functions live by subject: users.ts (profile, names, directory fields), ids.ts (object ids, UPN
// index), licences.ts, activity.ts; random-streams.ts numbers the random stream each one draws from.
// Day N (days.ts) of the same tenant: todayDay stays day 0's date (what generation draws from), currentDay = +N.
import { activityOf } from './activity';
import { applyLicenceChanges, disableDayOf, hireDay, hireLicences, hiresThrough, leaveDayOf, parseChurn, type Churn } from './days';
import { idMasks, indexOfId, UpnIndex, userId, type IdMasks } from './ids';
import { assignedSkuIndexes, baselineLicenses, groupIdOf, prepaidUnits, type LicenseEntry, type PrepaidUnits } from './licences';
import type { Rng } from './prng';
import { RandomStream, userRng } from './random-streams';
import { SKUS } from './skus';
import { namePermutation, profileOf, upnOf, userAt, type GeneratedUser, type Profile } from './users';

export interface TenantOptions {
  seed: number;
  userCount: number;
  todayDay: number;
  domain: string;
  /** Simulated day (0 = the generated tenant; default 0). */
  day?: number;
  /** Day-to-day changes; shares per day (days.ts). */
  churn?: Partial<Churn>;
  /** Share of members whose UPN begins with '_' (default 0). */
  underscoreUpns?: number;
}

export class Tenant {
  readonly seed: number;
  readonly userCount: number;
  readonly todayDay: number;
  readonly domain: string;
  /** Report-only rows for recently deleted users (indices userCount .. userCount+deletedCount-1). */
  readonly deletedCount: number;
  readonly namePermutation: number;
  readonly underscoreUpns: number;
  private readonly masks: IdMasks;
  private readonly overrides = new Map<number, LicenseEntry[]>();
  private upnIndex?: UpnIndex;
  private consumedCache?: Int32Array;
  private baselineConsumed?: Int32Array;
  private groupIds: string[][] = [];
  /** Simulated day N and its churn; todayDay + day is the simulated today. */
  readonly day: number;
  readonly churn: Churn;
  /** Hires on days 1..day; their indices are userCount + deletedCount + k. */
  readonly hireCount: number;
  private liveCountCache?: number;

  constructor(o: TenantOptions) {
    this.seed = o.seed;
    this.userCount = o.userCount;
    this.todayDay = o.todayDay;
    this.domain = o.domain;
    this.deletedCount = o.userCount >= 20 ? Math.ceil(o.userCount * 0.005) : 0;
    this.namePermutation = namePermutation(o.seed);
    this.underscoreUpns = o.underscoreUpns ?? 0;
    this.masks = idMasks(o.seed);
    this.day = o.day ?? 0;
    if (!Number.isInteger(this.day) || this.day < 0) throw new RangeError(`day must be a non-negative integer, got ${o.day}`);
    this.churn = parseChurn(o.churn);
    this.hireCount = hiresThrough(this.userCount, this.churn, this.day);
  }

  // ---- days ------------------------------------------------------------------------------------------------

  /** The simulated today (day number). */
  get currentDay(): number {
    return this.todayDay + this.day;
  }

  /** One past the last user index (live, report-only deleted, hires). */
  get indexLimit(): number {
    return this.userCount + this.deletedCount + this.hireCount;
  }

  /** Evolution day (1..day) hire index i joined, or 0 when i is not a hire. */
  hireDayOf(i: number): number {
    const k = i - this.userCount - this.deletedCount;
    return k >= 0 && k < this.hireCount ? hireDay(this.userCount, this.churn, k) : 0;
  }

  /** Evolution day a day-0 user leaves (Infinity = not within any day); only users 0..userCount-1 leave. */
  leaveDayOf(i: number): number {
    return this.day === 0 || i >= this.userCount ? Infinity : leaveDayOf(this.seed, i, this.churn);
  }

  /** Evolution day an enabled day-0 account is disabled (Infinity = never). */
  disableDayOf(i: number): number {
    return this.day === 0 || i >= this.userCount ? Infinity : disableDayOf(this.seed, i, this.churn);
  }

  /** Whether user index i is in /users on the simulated day. */
  isLive(i: number): boolean {
    if (i < this.userCount) return this.leaveDayOf(i) > this.day;
    return i >= this.userCount + this.deletedCount && i < this.indexLimit;
  }

  /** Users in /users on the simulated day. */
  get liveCount(): number {
    if (this.liveCountCache === undefined) {
      let n = this.hireCount;
      for (let i = 0; i < this.userCount; i++) if (this.isLive(i)) n++;
      this.liveCountCache = n;
    }
    return this.liveCountCache;
  }

  /** Licences as of evolution day n (n <= 0: as generated): hires' first licence and licence changes applied. */
  dayLicenses(i: number, n: number, prof?: Profile): LicenseEntry[] {
    if (i < this.userCount) {
      const base = this.baselineLicenses(i, prof);
      return n > 0 ? applyLicenceChanges(this.seed, i, this.churn, base, this.todayDay, 0, n) : base;
    }
    const h = this.hireDayOf(i);
    if (h === 0 || n < h) return this.baselineLicenses(i, prof);
    return applyLicenceChanges(this.seed, i, this.churn, hireLicences(this.seed, i, this.todayDay + h), this.todayDay, h, n);
  }

  // ---- identity ----------------------------------------------------------------------------------------------

  userId(i: number): string {
    return userId(this.seed, this.masks, i);
  }

  /** Index of a live user by object id, or -1. */
  indexOfId(id: string): number {
    const i = indexOfId(this.seed, this.masks, this.day === 0 ? this.userCount : this.indexLimit, id);
    return i >= 0 && this.isLive(i) ? i : -1;
  }

  /** Index of a live user by user principal name (case-insensitive), or -1. Builds a compact hash index on first use. */
  indexOfUpn(upn: string): number {
    this.upnIndex ??= new UpnIndex(this.day === 0 ? this.userCount : this.indexLimit, (i) => upnOf(this, i, this.profile(i)));
    const i = this.upnIndex.find(upn);
    return i >= 0 && this.isLive(i) ? i : -1;
  }

  /** Resolve `{id | userPrincipalName}` as used in /users/{...} paths. */
  resolveUser(idOrUpn: string): number {
    return idOrUpn.includes('@') ? this.indexOfUpn(idOrUpn) : this.indexOfId(idOrUpn);
  }

  profile(i: number): Profile {
    const p = profileOf(this, i);
    const h = this.day === 0 ? 0 : this.hireDayOf(i);
    if (h > 0) {
      p.createdDay = this.todayDay + h;
      p.createdKnown = true;
      p.enabled = true;
      p.usage ??= 'US';
    }
    return p;
  }

  /** The generated user at index i (0 <= i < userCount; indices up to userCount+deletedCount are deleted users). */
  userAt(i: number, prof?: Profile): GeneratedUser {
    const u = userAt(this, i, prof ?? this.profile(i));
    if (this.day > 0) {
      if (this.hireDayOf(i) > 0) u.deleted = false;
      else if (u.accountEnabled && this.disableDayOf(i) <= this.day) u.accountEnabled = false;
    }
    return u;
  }

  // ---- licences ----------------------------------------------------------------------------------------------

  groupId(skuIndex: number, g: number): string {
    const row = (this.groupIds[skuIndex] ??= []);
    return (row[g] ??= groupIdOf(this.seed, skuIndex, g));
  }

  /** Licences as generated (what the usage reports show until the next refresh). */
  baselineLicenses(i: number, prof?: Profile): LicenseEntry[] {
    return baselineLicenses(this, i, prof ?? this.profile(i));
  }

  /** Current licence assignment states of a live user (assignLicense changes included). */
  licenses(i: number, prof?: Profile): LicenseEntry[] {
    return this.overrides.get(i) ?? this.dayLicenses(i, this.day, prof);
  }

  setLicenses(i: number, entries: LicenseEntry[]): void {
    if (this.consumedCache) {
      const before = assignedSkuIndexes(this.licenses(i));
      const after = assignedSkuIndexes(entries);
      for (const s of before) this.consumedCache[s]!--;
      for (const s of after) this.consumedCache[s]!++;
    }
    this.overrides.set(i, entries);
  }

  /** Users whose licences were changed through assignLicense. */
  changedUsers(): number[] {
    return [...this.overrides.keys()];
  }

  /** consumedUnits per SKU (index into SKUS), computed on first use and kept current. */
  consumed(): Int32Array {
    if (!this.consumedCache) {
      const base = new Int32Array(SKUS.length);
      const cur = new Int32Array(SKUS.length);
      for (let i = 0; i < this.userCount; i++) {
        const bl = this.baselineLicenses(i);
        for (const s of assignedSkuIndexes(bl)) base[s]!++;
        if (this.day > 0 && !this.isLive(i)) continue;
        const now = this.overrides.get(i) ?? (this.day > 0 ? this.dayLicenses(i, this.day) : bl);
        for (const s of assignedSkuIndexes(now)) cur[s]!++;
      }
      for (let i = this.userCount + this.deletedCount; i < this.indexLimit; i++) for (const s of assignedSkuIndexes(this.licenses(i))) cur[s]!++;
      this.baselineConsumed = base;
      this.consumedCache = cur;
    }
    return this.consumedCache;
  }

  /** Prepaid units per SKU, derived from the generated assignments so they are consistent with consumedUnits. */
  prepaid(skuIndex: number): PrepaidUnits {
    this.consumed();
    return prepaidUnits(skuIndex, this.baselineConsumed![skuIndex]!);
  }

  // ---- activity ----------------------------------------------------------------------------------------------

  /** Per-service activity, in days before the report refresh date (-1 = never); see activity.ts. */
  activity(i: number, licensedMask: number, prof?: Profile): Int16Array {
    return activityOf(this.seed, i, licensedMask, prof ?? this.profile(i));
  }

  /** Deterministic per-user random stream for report values (email counts, deletion dates). */
  reportRng(i: number, salt: number): Rng {
    return userRng(this.seed, i, RandomStream.Report + salt);
  }
}
