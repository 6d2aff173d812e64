// The generated tenant's random streams. Every value is a pure function of (seed, user index, stream), so each
// aspect of a user draws from its own stream: adding a stream, or drawing more from one, shifts no other value.
// A new stream takes a new, unused number here; never renumber one (every generated tenant would change).
import { hash, Rng } from './prng';

export enum RandomStream {
  /** Kind, enabled, usage location, creation day (users.ts). */
  Profile = 1,
  /** Department, title, phones, language, display-name variant (users.ts). */
  Detail = 2,
  /** Generated licence assignments (licences.ts). */
  Licences = 3,
  /** Per-service last activity (activity.ts). */
  Activity = 4,
  /** Object id words (ids.ts). */
  Id = 5,
  /** Tenant-wide: the offset of the name permutation (users.ts). */
  NamePermutation = 7,
  /** Tenant-wide: the XOR masks that hide the index inside an object id (ids.ts). */
  IdMaskLow = 8,
  IdMaskHigh = 9,
  /** Domain of a guest's home organization (users.ts). */
  GuestDomain = 11,
  /** Time of day of createdDateTime (users.ts). */
  CreatedTime = 12,
  /** Time of day of a licence's lastUpdatedDateTime (licences.ts). */
  LicenceUpdatedTime = 13,
  /** Day evolution (days.ts): the day a user leaves. */
  DayLeave = 14,
  /** Day evolution: the day an enabled member's account is disabled. */
  DayDisable = 15,
  /** Day evolution: the days and contents of a user's licence changes. */
  DayLicence = 16,
  /** Day evolution: whether a user is active on a given day (n = day). */
  DayActivity = 17,
  /** Day evolution: a hire's first licence. */
  DayHire = 18,
  /** Day evolution: the day a long-inactive person becomes active again. */
  DayReturn = 19,
  /** Base of the report streams: Report + salt, salt 0..79 (reportRng; reports.ts uses salt 1). */
  Report = 20,
  /** Base of the licence-group ids: Group + SKU index (licences.ts). */
  Group = 100,
  /** Base of the subscription ids: Subscription + SKU index (subscriptions.ts); CommerceSubscription likewise. */
  Subscription = 300,
  CommerceSubscription = 400,
  /** Tenant-wide: subscription owner, purchase age, monthly renewal day (subscriptions.ts). */
  SubscriptionOwner = 500,
  SubscriptionAge = 501,
  SubscriptionRenewal = 502,
  /** Whether a member's UPN begins with '_' (users.ts, only with the tenant option `underscoreUpns`). */
  UnderscoreUpn = 600,
}

/** A tenant-wide value of a stream. */
export const tenantHash = (seed: number, stream: RandomStream): number => hash(seed, stream);

/** One value of a user's stream; `n` tells several values of the same stream apart. */
export const userHash = (seed: number, i: number, stream: RandomStream, n = 0): number => hash(seed, i, stream, n);

/** A user's stream as a sequence (draw order matters within a stream, not across streams). */
export const userRng = (seed: number, i: number, stream: RandomStream): Rng => new Rng(hash(seed, i, stream));
