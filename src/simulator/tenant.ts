// Deterministic tenant: users, licences and activity generated on demand from (seed, index), so a million users
// cost almost no memory. Only licence changes made through assignLicense are stored (a Map of overrides).
// The generating functions live by subject: users.ts (profile, names, directory fields), ids.ts (object ids, UPN
// index), licences.ts, activity.ts; random-streams.ts numbers the random stream each one draws from.
import { activityOf } from './activity';
import { DEFAULT_DAY_CHURN, TenantDays, type DayChurn } from './days';
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
  /** Days after `todayDay` (`sim --day N`, days.ts); default 0, the tenant as generated. */
  day?: number;
  churn?: Partial<DayChurn>;
}

export class Tenant {
  readonly seed: number;
  readonly userCount: number;
  /** Day 0's date (day number): what the generated profiles are relative to. */
  readonly todayDay: number;
  /** The simulated day's date: todayDay + day. Reports are refreshed relative to it. */
  readonly currentDay: number;
  readonly days: TenantDays;
  readonly domain: string;
  /** Report-only rows for recently deleted users (indices userCount .. userCount+deletedCount-1). */
  readonly deletedCount: number;
  readonly namePermutation: number;
  private readonly masks: IdMasks;
  private readonly overrides = new Map<number, LicenseEntry[]>();
  private upnIndex?: UpnIndex;
  private consumedCache?: Int32Array;
  private baselineConsumed?: Int32Array;
  private groupIds: string[][] = [];

  constructor(o: TenantOptions) {
    this.seed = o.seed;
    this.days = new TenantDays(o.seed, o.userCount, o.day ?? 0, { ...DEFAULT_DAY_CHURN, ...o.churn });
    // Hires take the indices after day 0's users (the report-only deleted rows follow them).
    this.userCount = o.userCount + this.days.hires;
    this.todayDay = o.todayDay;
    this.currentDay = o.todayDay + this.days.day;
    this.domain = o.domain;
    this.deletedCount = o.userCount >= 20 ? Math.ceil(o.userCount * 0.005) : 0;
    this.namePermutation = namePermutation(o.seed);
    this.masks = idMasks(o.seed);
  }

  // ---- identity ----------------------------------------------------------------------------------------------

  userId(i: number): string {
    return userId(this.seed, this.masks, i);
  }

  /** Index of a live user by object id, or -1. */
  indexOfId(id: string): number {
    const i = indexOfId(this.seed, this.masks, this.userCount, id);
    return i >= 0 && this.days.hasLeft(i) ? -1 : i;
  }

  /** Index of a live user by user principal name (case-insensitive), or -1. Builds a compact hash index on first use. */
  indexOfUpn(upn: string): number {
    this.upnIndex ??= new UpnIndex(this.userCount, (i) => upnOf(this, i, this.profile(i)));
    const i = this.upnIndex.find(upn);
    return i >= 0 && this.days.hasLeft(i) ? -1 : i;
  }

  /** Resolve `{id | userPrincipalName}` as used in /users/{...} paths. */
  resolveUser(idOrUpn: string): number {
    return idOrUpn.includes('@') ? this.indexOfUpn(idOrUpn) : this.indexOfId(idOrUpn);
  }

  profile(i: number): Profile {
    const p = profileOf(this, i);
    if (i >= this.days.baseCount && i < this.userCount) {
      // A hire: a member who joined on their hire day.
      return { kind: 'member', enabled: true, usage: p.usage, createdDay: this.todayDay + this.days.hireDay(i), createdKnown: true };
    }
    return this.days.disabled(i) ? { ...p, enabled: false } : p;
  }

  /** Users in the directory on the simulated day (day 0: userCount). */
  liveCount(): number {
    if (this.days.day === 0) return this.userCount;
    let n = 0;
    for (let i = 0; i < this.userCount; i++) if (!this.days.hasLeft(i)) n++;
    return n;
  }

  /** Whether user i has left the tenant by the simulated day (not in /users; deleted in the reports for 30 days). */
  hasLeft(i: number): boolean {
    return i < this.userCount && this.days.hasLeft(i);
  }

  /** The generated user at index i (0 <= i < userCount; indices up to userCount+deletedCount are deleted users). */
  userAt(i: number, prof?: Profile): GeneratedUser {
    return userAt(this, i, prof ?? this.profile(i));
  }

  // ---- licences ----------------------------------------------------------------------------------------------

  groupId(skuIndex: number, g: number): string {
    const row = (this.groupIds[skuIndex] ??= []);
    return (row[g] ??= groupIdOf(this.seed, skuIndex, g));
  }

  /** Licences as generated (what the usage reports show until the next refresh). */
  baselineLicenses(i: number, prof?: Profile): LicenseEntry[] {
    return this.days.licences(i, baselineLicenses(this, i, prof ?? this.profile(i)), this.todayDay);
  }

  /** Current licence assignment states of a live user (assignLicense changes included). */
  licenses(i: number, prof?: Profile): LicenseEntry[] {
    return this.overrides.get(i) ?? this.baselineLicenses(i, prof);
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
        if (this.days.hasLeft(i)) continue;
        const bl = this.baselineLicenses(i);
        for (const s of assignedSkuIndexes(bl)) base[s]!++;
        for (const s of assignedSkuIndexes(this.overrides.get(i) ?? bl)) cur[s]!++;
      }
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
    return this.days.activity(activityOf(this.seed, i, licensedMask, prof ?? this.profile(i)));
  }

  /** Deterministic per-user random stream for report values (email counts, deletion dates). */
  reportRng(i: number, salt: number): Rng {
    return userRng(this.seed, i, RandomStream.Report + salt);
  }
}
