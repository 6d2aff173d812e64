// The staging contract: what one run's staging directory holds (layout, report columns) and its manifest schema.
// The extract writes it, the warehouse load and `m365-license import` read it; both sides take every name from
// here. Pure (no Node built-ins), so workflows, the CLI and tests can import it too.
import { z } from 'zod';

// ---- layout (paths relative to the run's staging directory, '/'-separated) ---------------------------------

export const REPORT_NAMES = ['getOffice365ActiveUserDetail', 'getEmailActivityUserDetail'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];
/** Reports a run stages when the tenant has them; the load takes them when present (the Copilot usage report, which only tenants with Copilot licences have). */
export const OPTIONAL_REPORT_NAMES = ['getMicrosoft365CopilotUsageUserDetail'] as const;
export type OptionalReportName = (typeof OPTIONAL_REPORT_NAMES)[number];

export const STAGING_LAYOUT = {
  manifest: 'manifest.json',
  /** One file per Graph page of /users, as Graph sent it. */
  usersDir: 'users',
  skus: 'subscribedSkus.json',
  /** GET /directory/subscriptions, all pages' values in one `{"value": [...]}` (optional). */
  subscriptions: 'subscriptions.json',
  reportsDir: 'reports',
} as const;

/** Name of the n-th users page (1-based); zero-padded so a name sort is the page order. */
export const userPageName = (page: number): string => `page-${String(page).padStart(4, '0')}.json`;
/** Matches a users page file name; group 1 is the page number. */
export const USER_PAGE_RE = /^page-(\d+)\.json$/;
/** The same set as a glob, for DuckDB's read_json. */
export const USER_PAGE_GLOB = 'page-*.json';
export const reportPath = (report: ReportName | OptionalReportName): string => `${STAGING_LAYOUT.reportsDir}/${report}.csv`;

// ---- report columns ------------------------------------------------------------------------------------------

export type ColumnType = 'DATE' | 'BOOLEAN' | 'BIGINT' | 'VARCHAR';

export interface ReportColumn {
  header: string;
  /** snake_case name of the column in the staging temp table and the report table. */
  name: string;
  type: ColumnType;
  required: boolean;
}

export interface ReportSpec {
  report: ReportName | OptionalReportName;
  /** Relative to the staging directory. */
  file: string;
  columns: ReportColumn[];
}

/** Services of the active-user report, in its column naming. */
export const ACTIVE_SERVICES = [
  ['exchange', 'Exchange'],
  ['onedrive', 'OneDrive'],
  ['sharepoint', 'SharePoint'],
  ['skype', 'Skype For Business'],
  ['yammer', 'Yammer'],
  ['teams', 'Teams'],
] as const;

const col = (header: string, name: string, type: ColumnType, required = true): ReportColumn => ({ header, name, type, required });

const COMMON = [
  col('Report Refresh Date', 'report_refresh_date', 'DATE'),
  col('User Principal Name', 'user_principal_name', 'VARCHAR'),
  col('Display Name', 'display_name', 'VARCHAR'),
  col('Is Deleted', 'is_deleted', 'BOOLEAN'),
  col('Deleted Date', 'deleted_date', 'DATE'),
];

const REPORT_COLUMNS: Record<ReportName, ReportColumn[]> = {
  getOffice365ActiveUserDetail: [
    ...COMMON,
    ...ACTIVE_SERVICES.map(([s, h]) => col(`Has ${h} License`, `${s}_has_license`, 'BOOLEAN')),
    ...ACTIVE_SERVICES.map(([s, h]) => col(`${h} Last Activity Date`, `${s}_last_activity_date`, 'DATE')),
    ...ACTIVE_SERVICES.map(([s, h]) => col(`${h} License Assign Date`, `${s}_license_assign_date`, 'DATE')),
    col('Assigned Products', 'assigned_products', 'VARCHAR', false),
  ],
  getEmailActivityUserDetail: [
    ...COMMON,
    col('Last Activity Date', 'last_activity_date', 'DATE'),
    col('Send Count', 'send_count', 'BIGINT', false),
    col('Receive Count', 'receive_count', 'BIGINT', false),
    col('Read Count', 'read_count', 'BIGINT', false),
    col('Meeting Created Count', 'meeting_created_count', 'BIGINT', false),
    col('Meeting Interacted Count', 'meeting_interacted_count', 'BIGINT', false),
    col('Assigned Products', 'assigned_products', 'VARCHAR', false),
    col('Report Period', 'report_period', 'VARCHAR', false),
  ],
};

/** Every staged report, in REPORT_NAMES order (the warehouse's first migration relies on that order). */
export const REPORTS: readonly ReportSpec[] = REPORT_NAMES.map((report) => ({ report, file: reportPath(report), columns: REPORT_COLUMNS[report] }));

const date = (header: string, name: string, required = false): ReportColumn => col(header, name, 'DATE', required);

/** Microsoft 365 Copilot usage user detail, v1.0 CSV (docs/graph.md); parsed by header name, never by position. */
export const COPILOT_USAGE_REPORT: ReportSpec = {
  report: 'getMicrosoft365CopilotUsageUserDetail',
  file: reportPath('getMicrosoft365CopilotUsageUserDetail'),
  columns: [
    date('Report Refresh Date', 'report_refresh_date', true),
    col('User Principal Name', 'user_principal_name', 'VARCHAR'),
    col('Display Name', 'display_name', 'VARCHAR', false),
    date('Last Activity Date', 'last_activity_date', true),
    date('Copilot Chat Last Activity Date', 'copilot_chat_last_activity_date'),
    date('Microsoft Teams Copilot Last Activity Date', 'teams_copilot_last_activity_date'),
    date('Word Copilot Last Activity Date', 'word_copilot_last_activity_date'),
    date('Excel Copilot Last Activity Date', 'excel_copilot_last_activity_date'),
    date('PowerPoint Copilot Last Activity Date', 'powerpoint_copilot_last_activity_date'),
    date('Outlook Copilot Last Activity Date', 'outlook_copilot_last_activity_date'),
    date('OneNote Copilot Last Activity Date', 'onenote_copilot_last_activity_date'),
    date('Loop Copilot Last Activity Date', 'loop_copilot_last_activity_date'),
    col('Report Period', 'report_period', 'VARCHAR', false),
  ],
};

// ---- manifest ------------------------------------------------------------------------------------------------

/** What an extract activity returns for one staged file or directory; a manifest entry carries the same fields. */
export const stagedFileSchema = z.object({
  path: z.string(),
  count: z.number(),
  bytes: z.number(),
  sha256: z.string(),
});
export type StagedFile = z.infer<typeof stagedFileSchema>;

export const reportSettingsSchema = z.object({ displayConcealedNames: z.boolean() });

/** What the users extract found about sign-in activity: read, or refused for the tenant or the app, and why. */
export const signInOutcomeSchema = z.object({
  requested: z.boolean(),
  available: z.boolean(),
  /** `not_granted` (no AuditLog.Read.All in the token), `read_by_delta` (the roster came from users/delta), `over_sign_in_budget` (the tenant too large to read them in time), or the Graph error code that refused it. */
  reason: z.string().nullable(),
});
export type SignInOutcome = z.infer<typeof signInOutcomeSchema>;
/** The sign-in outcome's reason when reading every user's sign-ins would take longer than the run's budget. */
export const OVER_SIGN_IN_BUDGET = 'over_sign_in_budget';
export type ReportSettings = z.infer<typeof reportSettingsSchema>;

/**
 * One manifest entry: a staged file's fields (path relative to the staging directory) plus what it is. A field
 * added to stagedFileSchema is written and read with no other change; it is optional when read, so a manifest
 * written by hand or by an older version still loads.
 */
export const manifestFileSchema = z.object({
  kind: z.enum(['users', 'skus', 'report', 'subscriptions']),
  name: z.string(),
  ...stagedFileSchema.partial().shape,
  path: stagedFileSchema.shape.path,
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const stagingManifestSchema = z.object({
  tenantId: z.string().min(1),
  runId: z.string().min(1),
  snapshotDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  startedAt: z.string().optional(),
  files: z.array(manifestFileSchema).default([]),
  reportSettings: reportSettingsSchema.nullish(),
  /** Whether the users pages carry signInActivity, and if not why (a Graph error code or `not_granted`). */
  signInActivity: signInOutcomeSchema.nullish(),
});
export type StagingManifest = z.infer<typeof stagingManifestSchema>;
