// What a person reading a reclamation needs beside the ids its workflow keeps: the user's name, department, job
// title and account state, each licence's product name and annual cost, the last activity per service and last
// sign-in, and why the user is a candidate. Looked up in the PUBLISHED warehouse (read-only) each time a page is
// shown, never carried in workflow history. A missing warehouse or user gives what is known (ids), not an error.
import { existsSync } from 'node:fs';
import { openReadOnly, type ReadOnlyWarehouse } from '../warehouse/index';

export interface PersonFacts {
  displayName: string | null;
  upn: string | null;
  department: string | null;
  jobTitle: string | null;
  accountEnabled: boolean | null;
  /** The roster day these facts are from. */
  snapshotDate: string | null;
  /** Last activity per service (exchange, outlook, onedrive, sharepoint, teams, skype, yammer), ISO dates or null. */
  activity: { service: string; last: string | null }[];
  lastSignIn: string | null;
  daysInactive: number | null;
}

export interface CandidateFacts {
  /** Inactive by the tenant's threshold and not excluded: on `inactive_licensed_users` today. */
  isCandidate: boolean;
  inactivityDays: number;
  daysInactive: number | null;
  signal: string | null;
  /** The rule that keeps the user off the list (upn_pattern, group, sku, grace), if any. */
  excludedBy: string | null;
}

export interface LicenceFacts {
  skuId: string;
  skuPartNumber: string | null;
  productName: string | null;
  /** What one seat costs a year at today's price (contract, own price or list price), decimal text; null: no price. */
  annualCost: string | null;
  currency: string | null;
}

export interface ReclamationFacts {
  person?: PersonFacts;
  candidate?: CandidateFacts;
  licences: Map<string, LicenceFacts>;
}

const SERVICES = ['exchange', 'outlook', 'onedrive', 'sharepoint', 'teams', 'skype', 'yammer'] as const;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** $2, $3, … after the tenant id ($1). */
const placeholders = (n: number): string[] => Array.from({ length: n }, (_, i) => `$${i + 2}`);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Opens the published file for one lookup; undefined when nothing has been published yet. */
async function withPublished<T>(dbPath: string, empty: T, fn: (db: ReadOnlyWarehouse) => Promise<T>): Promise<T> {
  if (!existsSync(dbPath)) return empty;
  const db = await openReadOnly(dbPath);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

async function person(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<PersonFacts | undefined> {
  const r = await db.query(
    `SELECT u.display_name, u.user_principal_name, u.department, u.job_title, u.account_enabled, u.snapshot_date::VARCHAR AS snapshot_date,
            ${SERVICES.map((s) => `a.${s}_last_activity_date::VARCHAR AS ${s}`).join(', ')},
            coalesce(a.last_successful_sign_in_at, greatest(a.last_sign_in_at, a.last_non_interactive_sign_in_at))::VARCHAR AS last_sign_in,
            a.days_inactive
     FROM current_users u LEFT JOIN user_last_activity a USING (tenant_id, user_id)
     WHERE u.tenant_id = $1 AND u.user_id = $2`,
    [tenantId, userId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    displayName: text(row.display_name),
    upn: text(row.user_principal_name),
    department: text(row.department),
    jobTitle: text(row.job_title),
    accountEnabled: row.account_enabled === null ? null : Boolean(row.account_enabled),
    snapshotDate: text(row.snapshot_date),
    activity: SERVICES.map((s) => ({ service: s, last: text(row[s]) })),
    lastSignIn: text(row.last_sign_in),
    daysInactive: num(row.days_inactive),
  };
}

async function candidate(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<CandidateFacts | undefined> {
  const r = await db.query(
    `SELECT is_inactive, excluded_by, inactivity_days, days_inactive, inactivity_signal FROM inactive_licensed_evaluation WHERE tenant_id = $1 AND user_id = $2`,
    [tenantId, userId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return { isCandidate: Boolean(row.is_inactive) && row.excluded_by === null, inactivityDays: Number(row.inactivity_days), daysInactive: num(row.days_inactive), signal: text(row.inactivity_signal), excludedBy: text(row.excluded_by) };
}

/** Product names and today's annual cost per seat of SKUs, by id. */
export function lookupLicences(dbPath: string, tenantId: string, skuIds: readonly string[]): Promise<Map<string, LicenceFacts>> {
  return withPublished(dbPath, new Map<string, LicenceFacts>(), (db) => licences(db, tenantId, skuIds));
}

async function licences(db: ReadOnlyWarehouse, tenantId: string, skuIds: readonly string[]): Promise<Map<string, LicenceFacts>> {
  const out = new Map<string, LicenceFacts>();
  if (skuIds.length === 0) return out;
  // The tenant's own SKUs first (their product name and today's price), Microsoft's reference for any other.
  const ids = [...new Set(skuIds.map((s) => s.toLowerCase()))];
  const r = await db.query(
    `WITH wanted AS (SELECT * FROM (VALUES ${placeholders(ids.length).map((p) => `(${p})`).join(', ')}) v(sku_id))
     SELECT w.sku_id, coalesce(d.sku_part_number, ref.sku_part_number) AS sku_part_number, coalesce(d.product_name, ref.product_name) AS product_name,
            (d.unit_price_monthly * 12)::DECIMAL(18, 2)::VARCHAR AS annual_cost, d.currency
     FROM wanted w
     LEFT JOIN latest_sku_daily d ON d.tenant_id = $1 AND lower(d.sku_id) = w.sku_id
     LEFT JOIN sku_reference ref ON ref.sku_id = w.sku_id`,
    [tenantId, ...ids],
  );
  for (const row of r.rows) {
    const id = String(row.sku_id);
    out.set(id, { skuId: id, skuPartNumber: text(row.sku_part_number), productName: text(row.product_name), annualCost: text(row.annual_cost), currency: text(row.currency) });
  }
  return out;
}

/** Everything one reclamation's page shows about its user and licences. */
export function lookupReclamation(dbPath: string, tenantId: string, userId: string, skuIds: readonly string[]): Promise<ReclamationFacts> {
  return withPublished(dbPath, { licences: new Map() }, async (db) => {
    const [p, c, l] = [await person(db, tenantId, userId), await candidate(db, tenantId, userId), await licences(db, tenantId, skuIds)];
    return { ...(p ? { person: p } : {}), ...(c ? { candidate: c } : {}), licences: l };
  });
}

/** Display names and UPNs of people by object id (requesters, approvers, the users of an inbox). */
export function lookupNames(dbPath: string, tenantId: string, ids: readonly string[]): Promise<Map<string, { displayName: string | null; upn: string | null; department: string | null }>> {
  const empty = new Map<string, { displayName: string | null; upn: string | null; department: string | null }>();
  if (ids.length === 0) return Promise.resolve(empty);
  const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
  return withPublished(dbPath, empty, async (db) => {
    const r = await db.query(
      `SELECT user_id, display_name, user_principal_name, department FROM current_users WHERE tenant_id = $1 AND user_id IN (${placeholders(unique.length).join(', ')})`,
      [tenantId, ...unique],
    );
    for (const row of r.rows) empty.set(String(row.user_id), { displayName: text(row.display_name), upn: text(row.user_principal_name), department: text(row.department) });
    return empty;
  });
}
