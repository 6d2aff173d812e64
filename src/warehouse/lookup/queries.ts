// The SQL of the display-time lookups, each over the published warehouse's current state (the latest snapshot).
// Every value that leaves here is text, a number or a boolean; money stays exact decimal text.
import type { ReadOnlyWarehouse } from '../db/handles';
import type { CandidateView, LicenceView, PersonName, Service } from './types';
import { SERVICES } from './types';

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Names of these users in the tenant's latest roster; ids not in it are left out. */
export async function namesOf(db: ReadOnlyWarehouse, tenantId: string, userIds: string[]): Promise<Map<string, PersonName>> {
  const out = new Map<string, PersonName>();
  if (userIds.length === 0) return out;
  const r = await db.query(
    `SELECT user_id, display_name, user_principal_name, department FROM current_users
     WHERE tenant_id = $1 AND user_id IN (SELECT lower(unnest(string_split($2, ','))))`,
    [tenantId, userIds.map((id) => id.toLowerCase()).join(',')],
  );
  for (const row of r.rows) {
    const id = String(row.user_id);
    out.set(id, { userId: id, known: true, displayName: text(row.display_name), upn: text(row.user_principal_name), department: text(row.department) });
  }
  return out;
}

/**
 * Names and the yearly price of one seat of each SKU id for this tenant: the tenant's own SKUs and the price the
 * money views apply today (contract, the admin's prices, then the list price); a SKU the tenant no longer holds
 * is named from Microsoft's licensing reference and priced like a SKU not held yet (internal.sku_part_prices).
 */
export async function licencesOf(db: ReadOnlyWarehouse, tenantId: string, skuIds: string[]): Promise<LicenceView[]> {
  if (skuIds.length === 0) return [];
  const ids = skuIds.map((s) => s.toLowerCase());
  const r = await db.query(
    `WITH wanted AS (SELECT lower(unnest(string_split($2, ','))) AS sku_id),
     held AS (SELECT sku_id, sku_part_number, product_name, currency, unit_price_monthly, price_source FROM internal.latest_sku_daily WHERE tenant_id = $1),
     named AS (
       SELECT w.sku_id, coalesce(h.sku_part_number, k.sku_part_number, ref.sku_part_number) AS part,
              coalesce(h.product_name, k.product_name, ref.product_name) AS product_name,
              h.currency, h.unit_price_monthly, h.price_source
       FROM wanted w
       LEFT JOIN held h ON h.sku_id = w.sku_id
       LEFT JOIN (SELECT sku_id, any_value(sku_part_number) AS sku_part_number, any_value(product_name) AS product_name
                  FROM current_skus WHERE tenant_id = $1 GROUP BY sku_id) k ON k.sku_id = w.sku_id
       LEFT JOIN sku_reference ref ON ref.sku_id = w.sku_id)
     SELECT n.sku_id, n.part, n.product_name,
            coalesce(n.currency, p.currency) AS currency,
            (coalesce(n.unit_price_monthly, p.unit_price_monthly) * 12)::DECIMAL(18,2)::VARCHAR AS annual_cost,
            CASE WHEN n.unit_price_monthly IS NOT NULL THEN n.price_source WHEN p.unit_price_monthly IS NOT NULL THEN p.price_source END AS price_source
     FROM named n LEFT JOIN internal.sku_part_prices p ON p.tenant_id = $1 AND p.sku_part_number = n.part`,
    [tenantId, ids.join(',')],
  );
  const byId = new Map(r.rows.map((row) => [String(row.sku_id), row]));
  return ids.map((skuId) => {
    const row = byId.get(skuId);
    return {
      skuId,
      partNumber: text(row?.part),
      productName: text(row?.product_name),
      annualCost: text(row?.annual_cost),
      currency: row?.annual_cost ? text(row.currency) : null,
      priceSource: row?.annual_cost ? text(row.price_source) : null,
    };
  });
}

/** The SKU ids this user holds in the latest snapshot (direct or through a group). */
export async function heldSkuIds(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<string[]> {
  const r = await db.query(`SELECT DISTINCT sku_id FROM user_licenses WHERE tenant_id = $1 AND user_id = $2 ORDER BY sku_id`, [tenantId, userId.toLowerCase()]);
  return r.rows.map((row) => String(row.sku_id));
}

export interface PersonFacts {
  jobTitle: string | null;
  accountEnabled: boolean | null;
  lastActivityPerService: Record<Service, string | null>;
  lastActivity: string | null;
  lastSignIn: string | null;
  daysInactive: number | null;
  asOf: string | null;
}

/** Roster and activity facts of one user of the latest snapshot, or null when the roster does not have them. */
export async function factsOf(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<PersonFacts | null> {
  const r = await db.query(
    `SELECT u.job_title, u.account_enabled, u.snapshot_date::VARCHAR AS as_of,
            ${SERVICES.map((s) => `a.${s}_last_activity_date::VARCHAR AS ${s}`).join(', ')},
            a.last_activity_date::VARCHAR AS last_activity, a.last_sign_in_date::VARCHAR AS last_sign_in, a.days_inactive
     FROM current_users u
     LEFT JOIN user_last_activity a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id
     WHERE u.tenant_id = $1 AND u.user_id = $2`,
    [tenantId, userId.toLowerCase()],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    jobTitle: text(row.job_title),
    accountEnabled: typeof row.account_enabled === 'boolean' ? row.account_enabled : null,
    lastActivityPerService: Object.fromEntries(SERVICES.map((s) => [s, text(row[s])])) as Record<Service, string | null>,
    lastActivity: text(row.last_activity),
    lastSignIn: text(row.last_sign_in),
    daysInactive: row.days_inactive === null || row.days_inactive === undefined ? null : Number(row.days_inactive),
    asOf: text(row.as_of),
  };
}

/** The tenant's inactivity rule applied to this licensed user today; null when the warehouse does not evaluate them. */
export async function candidateOf(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<CandidateView | null> {
  const r = await db.query(
    `SELECT is_inactive, excluded_by, inactivity_days, days_inactive, inactivity_signal FROM inactive_licensed_evaluation WHERE tenant_id = $1 AND user_id = $2`,
    [tenantId, userId.toLowerCase()],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    isCandidate: Boolean(row.is_inactive) && row.excluded_by === null,
    inactivityDays: Number(row.inactivity_days),
    daysInactive: row.days_inactive === null || row.days_inactive === undefined ? null : Number(row.days_inactive),
    signal: text(row.inactivity_signal),
    excludedBy: text(row.excluded_by),
  };
}

/** Exchange Online mailbox plans: a SKU with one enabled hosts the user's mailbox. */
const MAILBOX_PLANS = ['EXCHANGE_S_STANDARD', 'EXCHANGE_S_ENTERPRISE', 'EXCHANGE_S_DESKLESS', 'EXCHANGE_S_ESSENTIALS'];

/** The held SKUs whose enabled service plans include a mailbox (plans the assignment disables do not count). */
export async function mailboxHosts(db: ReadOnlyWarehouse, tenantId: string, userId: string): Promise<string[]> {
  const r = await db.query(
    `WITH plans AS (
       SELECT k.sku_id, lower(p ->> 'servicePlanId') AS plan_id, p ->> 'servicePlanName' AS plan_name
       FROM current_skus k, unnest(CAST(k.service_plans AS JSON[])) AS t(p) WHERE k.tenant_id = $1)
     SELECT DISTINCT la.sku_id FROM current_license_assignments la JOIN plans p ON p.sku_id = la.sku_id
     WHERE la.tenant_id = $1 AND la.user_id = $2 AND p.plan_name IN (SELECT unnest(string_split($3, ',')))
       AND NOT list_contains(coalesce(list_transform(la.disabled_plans, x -> lower(x)), []::VARCHAR[]), p.plan_id)
     ORDER BY la.sku_id`,
    [tenantId, userId.toLowerCase(), MAILBOX_PLANS.join(',')],
  );
  return r.rows.map((row) => String(row.sku_id));
}
