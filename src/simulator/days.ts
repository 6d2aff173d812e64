// The tenant moving through days (`sim --day N`): day 0 is the tenant as generated; each later day of the same
// seed adds hires, loses leavers (shown as deleted in the reports for 30 days, then gone), changes some users'
// licences, disables some accounts, and moves the report refresh date forward with it. Recently active users stay
// recently active (their dates move with the refresh date); inactive users keep their dates, so they age.
// Every change is a pure function of (seed, user index, day): day N is the same whenever it is generated.
import { formatDay, timeOf } from './dates';
import type { LicenseEntry } from './licences';
import { RandomStream, userHash } from './random-streams';
import { SKUS, skuIndexByPart } from './skus';

/** Shares of the tenant per day. */
export interface DayChurn {
  hires: number;
  leavers: number;
  licenceChanges: number;
  disabled: number;
}
export const DEFAULT_DAY_CHURN: DayChurn = { hires: 0.001, leavers: 0.001, licenceChanges: 0.002, disabled: 0.0005 };

const uniform = (seed: number, i: number, n: number): number => userHash(seed, i, RandomStream.Churn, n) / 0x1_0000_0000;

/** The first day (>= 1) an event of kind `n` happens to user i, each day picking a `share` of users; Infinity when never. */
export const eventDay = (seed: number, i: number, n: number, share: number): number =>
  share <= 0 ? Infinity : 1 + Math.floor(uniform(seed, i, n) / share);

export class TenantDays {
  /** Hires per day (at least one when hires are on). */
  readonly hiresPerDay: number;
  constructor(
    readonly seed: number,
    /** Users of day 0. */
    readonly baseCount: number,
    readonly day: number,
    readonly churn: DayChurn,
  ) {
    this.hiresPerDay = churn.hires > 0 ? Math.max(1, Math.floor(baseCount * churn.hires)) : 0;
  }

  get hires(): number {
    return this.hiresPerDay * this.day;
  }

  /** Day (>= 1) a hire (index >= baseCount) joined. */
  hireDay(i: number): number {
    return 1 + Math.floor((i - this.baseCount) / this.hiresPerDay);
  }

  /** Day a user of day 0 leaves (Infinity: stays); hires stay. */
  leaveDay(i: number): number {
    return i < this.baseCount ? eventDay(this.seed, i, 0, this.churn.leavers) : Infinity;
  }

  hasLeft(i: number): boolean {
    return this.leaveDay(i) <= this.day;
  }

  disabled(i: number): boolean {
    return eventDay(this.seed, i, 2, this.churn.disabled) <= this.day;
  }

  /**
   * Licences after this day's changes: a user picked for a change loses the last of their licences, or, holding
   * none, gets Microsoft 365 E3 directly, dated the day of the change.
   */
  licences(i: number, entries: LicenseEntry[], day0: number): LicenseEntry[] {
    const changed = eventDay(this.seed, i, 1, this.churn.licenceChanges);
    if (changed > this.day) return entries;
    if (entries.length > 0) return entries.slice(0, -1);
    const k = skuIndexByPart('SPE_E3');
    const assignedDay = day0 + changed;
    return [{
      skuIndex: k, skuId: SKUS[k]!.skuId, assignedByGroup: null, disabledPlans: [], state: 'Active', error: null, assignedDay,
      lastUpdatedDateTime: formatDay(assignedDay) + timeOf(userHash(this.seed, i, RandomStream.Churn, 3)),
    }];
  }

  /** Activity offsets (days before the refresh date): an inactive user's dates stay put while the refresh date moves. */
  activity(offsets: Int16Array): Int16Array {
    if (this.day === 0) return offsets;
    let recent = false;
    for (const o of offsets) if (o >= 0 && o < 30) recent = true;
    if (recent) return offsets;
    return offsets.map((o) => (o < 0 ? o : o + this.day));
  }
}
