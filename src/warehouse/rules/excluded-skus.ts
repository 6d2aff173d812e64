// Which of a tenant's SKUs are never reclaimed, read from the published warehouse (a separate file from
// exclusion.ts, which the models import: this one opens the database).
import { existsSync } from 'node:fs';
import { openReadOnly } from '../db/handles';
import { excludedSkuPartNumbers } from './exclusion';

/**
 * The ids (lower case) of the SKUs in `skus` whose licences are never reclaimed, as the published warehouse at
 * `dbPath` has the settings. None when it cannot be read: the re-check then fails closed on its own.
 */
export async function neverReclaimedSkuIds(dbPath: string, tenantId: string, skus: { skuId: string; skuPartNumber?: string }[]): Promise<Set<string>> {
  if (!existsSync(dbPath)) return new Set();
  try {
    const db = await openReadOnly(dbPath);
    try {
      const parts = await excludedSkuPartNumbers(db, tenantId);
      return new Set(skus.filter((k) => k.skuPartNumber && parts.includes(k.skuPartNumber)).map((k) => k.skuId.toLowerCase()));
    } finally {
      db.close();
    }
  } catch {
    return new Set();
  }
}
