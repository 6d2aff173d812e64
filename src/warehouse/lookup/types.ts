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
  department: string | null;
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
