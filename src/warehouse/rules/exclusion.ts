// The exclusion rule, defined once: a licensed user whose UPN matches one of the tenant's glob patterns, or who
// inherits a licence from one of its excluded groups, is never proposed nor reclaimed. The view an approver's list
// comes from (`inactive_licensed_evaluation`) is built from these fragments, and the reclamation re-check runs them
// against the user's current UPN and groups, so the list and the check at execution apply the same rule.
// The view is a model (models/marts/inactive_licensed_evaluation.sql) recreated at every writer open, so a change here
// reaches every warehouse at its next open; migrations never embed these fragments.

/**
 * Which rule keeps a user off the list; the view adds 'grace', which the re-check does not apply, and 'sku' (every
 * licence the user holds is of an excluded SKU), which the re-check applies per licence: excluded SKUs never
 * enter a reclamation's scope (excludedSkuPartNumbers).
 */
export type ExclusionRule = 'upn_pattern' | 'group';

/** SQL: true when `upn` matches one of `patterns` (VARCHAR[] of globs, case-insensitive). */
export const upnExcludedSql = (upn: string, patterns: string): string => `len(list_filter(${patterns}, lambda p: lower(${upn}) GLOB lower(p))) > 0`;

/** SQL: true when the lists `groups` and `excludedGroups` (VARCHAR[] of group ids) share an id. */
export const groupExcludedSql = (groups: string, excludedGroups: string): string => `len(list_intersect(${groups}, ${excludedGroups})) > 0`;

/** SQL: true when every entry of `held` (VARCHAR[] of SKU part numbers) is in `excludedSkus`: nothing left to reclaim. */
export const skuExcludedSql = (held: string, excludedSkus: string): string => `len(list_filter(${held}, lambda s: NOT list_contains(${excludedSkus}, s))) = 0`;

/** The tenant's excluded SKU part numbers (`settings set --exclude-sku`), as the settings stand in `db`. */
export async function excludedSkuPartNumbers(db: { query(sql: string, params: string[]): Promise<{ rows: Record<string, unknown>[] }> }, tenantId: string): Promise<string[]> {
  const row = (await db.query('SELECT exclude_sku_part_numbers AS skus FROM tenant_settings WHERE tenant_id = $1', [tenantId])).rows[0];
  return (row?.skus as string[] | null | undefined) ?? [];
}

/**
 * The rule for one user as the tenant's settings stand in `db` (the published warehouse for the re-check): the
 * UPN pattern wins over the group, as in the view's `excluded_by`. Null when no rule applies or the tenant is unknown.
 */
export async function exclusionFor(
  db: { query(sql: string, params: string[]): Promise<{ rows: Record<string, unknown>[] }> },
  tenantId: string,
  upn: string,
  groupIds: string[],
): Promise<ExclusionRule | null> {
  const row = (
    await db.query(
      `SELECT ${upnExcludedSql('$2', 'exclude_upn_patterns')} AS by_pattern,
              ${groupExcludedSql('exclude_group_ids', '$3::JSON::VARCHAR[]')} AS by_group
       FROM tenant_settings WHERE tenant_id = $1`,
      [tenantId, upn, JSON.stringify(groupIds)],
    )
  ).rows[0];
  return row?.by_pattern ? 'upn_pattern' : row?.by_group ? 'group' : null;
}
