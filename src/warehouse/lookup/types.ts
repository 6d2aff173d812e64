// What the display-time lookups return: people and licences as a reader sees them (names, product names, money),
// taken from the published warehouse when a page or a command is shown, never from workflow history.

/** The services the usage reports give a last-activity date for. */
export const SERVICES = ['exchange', 'outlook', 'onedrive', 'sharepoint', 'skype', 'yammer', 'teams'] as const;
export type Service = (typeof SERVICES)[number];

/** One licence (SKU) by name and yearly price per seat. Money is exact decimal text, as DuckDB gives DECIMAL. */
export interface LicenceView {
  skuId: string;
  /** SKU part number, e.g. SPE_E5; null when neither the tenant nor Microsoft's reference knows the id. */
  partNumber: string | null;
  /** Friendly product name, e.g. "Microsoft 365 E5". */
  productName: string | null;
  /** One seat for a year (monthly price x 12); null when no price is known. */
  annualCost: string | null;
  currency: string | null;
  /** Where the price comes from: contract, tenant (the admin's price for this tenant), admin (all tenants), list. */
  priceSource: string | null;
}

/** How to call a person: enough for a list row. */
export interface PersonName {
  userId: string;
  /** False when the warehouse is missing or has no such user in the tenant's latest roster. */
  known: boolean;
  displayName: string | null;
  upn: string | null;
  department: string | null;
}

export interface MailboxView {
  /** The held SKUs whose enabled service plans include an Exchange Online mailbox. */
  hostedBy: string[];
  /** Last Exchange activity from the usage reports. */
  lastActivity: string | null;
}

/** Everything an approver reads about one person, with the licences asked about. */
export interface PersonView extends PersonName {
  tenantId: string;
  jobTitle: string | null;
  accountEnabled: boolean | null;
  /** The licences asked about (by SKU id), or every licence the user holds when none were given. */
  licences: LicenceView[];
  /** Sum of the licences' annual cost per currency (never added across currencies); unpriced ones are left out. */
  annualCostByCurrency: Array<{ currency: string; amount: string }>;
  lastActivityPerService: Record<Service, string | null>;
  lastActivity: string | null;
  /** Date of the last sign-in (successful when Graph gives it), null when never or not loaded. */
  lastSignIn: string | null;
  daysInactive: number | null;
  mailbox: MailboxView | null;
  /** The snapshot the facts come from; null when unknown. */
  asOf: string | null;
  /** When the facts are missing: why, in words for the reader (no warehouse, user not in it). */
  note: string | null;
}

/** Why a user is, or is not, on today's candidate list: the tenant's inactivity rule as the warehouse applies it. */
export interface CandidateView {
  /** Inactive by the tenant's threshold and kept off by no exclusion rule. */
  isCandidate: boolean;
  /** The tenant's threshold in days. */
  inactivityDays: number;
  /** Days since the last activity; null when none was ever recorded. */
  daysInactive: number | null;
  /** What inactivity is measured by: usage (reports), sign_in, or both. */
  signal: string | null;
  /** The rule that keeps the user off the list (upn_pattern, group, sku, grace), if any. */
  excludedBy: string | null;
}

/** One line of a reclamation's audit trail: who asked, approved or rejected, when, and the text they gave. */
export interface AuditLine {
  event: string;
  at: string;
  runId: string | null;
  actor: string | null;
  actorUpn: string | null;
  /** The reason or comment, kept only in the audit table (never in workflow history). */
  text: string | null;
  outcome: string | null;
}
