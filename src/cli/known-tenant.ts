// Which tenant a warehouse-backed command (settings) means: a configured one, or one the published warehouse holds.
// A tenant loaded with `import` has no Graph credentials here, yet its thresholds and exclusions are the warehouse's
// business: only resolving a group by name (or a SKU the warehouse does not know) needs Graph.
import { existsSync } from 'node:fs';
import { ConfigError, hasTenant, type AppConfig } from '../config';
import { listTenantIds, pickTenant } from '../tenants';
import { openReadOnly } from '../warehouse/index';

/** The tenant ids with a snapshot in the published warehouse (none when there is no file yet). */
export async function warehouseTenantIds(dbPath: string): Promise<string[]> {
  if (!existsSync(dbPath)) return [];
  const db = await openReadOnly(dbPath);
  try {
    return (await db.query('SELECT DISTINCT tenant_id FROM snapshots ORDER BY tenant_id')).rows.map((r) => String(r.tenant_id));
  } finally {
    db.close();
  }
}

/** True when this deployment has Graph credentials configured for the tenant. */
export function hasGraphCredentials(config: AppConfig, tenantId: string): boolean {
  // A tenants file entry always names a credential; the M365_* variables describe one tenant when complete.
  return config.tenantsFile ? listTenantIds(config).includes(tenantId) : hasTenant(config) && config.tenantId === tenantId;
}

/**
 * The tenant `wanted` names (an id or a name from the tenants file), configured or held by the warehouse; without
 * `wanted`, the only configured tenant, else the only one the warehouse holds.
 */
export async function pickKnownTenant(config: AppConfig, wanted?: string): Promise<string> {
  const configured = listTenantIds(config);
  if (wanted === undefined && configured.length > 0) return pickTenant(config);
  const held = await warehouseTenantIds(config.dbPath);
  if (wanted === undefined) {
    if (held.length === 1) return held[0]!;
    if (held.length === 0)
      throw new ConfigError(`No tenant configured and none in the published warehouse (${config.dbPath}): run a daily sync or import first, or set M365_TENANT_ID.`);
    throw new ConfigError(`The warehouse holds several tenants: name one with --tenant (${held.join(', ')})`);
  }
  if (held.includes(wanted)) return wanted;
  try {
    return pickTenant(config, wanted);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const inWarehouse = held.length ? `the published warehouse holds ${held.join(', ')}` : `the published warehouse (${config.dbPath}) holds no tenant yet`;
    throw new ConfigError(`Tenant ${wanted} is neither configured nor in the warehouse: ${inWarehouse}.`, { cause: err });
  }
}
