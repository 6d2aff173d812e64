// What the published warehouse says about one user: the latest activity, the exclusion verdict, and how fresh
// the snapshot is. Read-only; group exclusion asks Graph for the user's (transitive) membership now.
import type { GraphClient } from '../../graph/client';
import { exclusionFor, openReadOnly, type ExclusionRule } from '../../warehouse';
import { DEFAULT_SETTINGS } from '../../warehouse/index';
import { memberGroups } from './group-membership';
import type { ActivityBaseline } from './types';

export interface WarehouseFacts {
  activity: ActivityBaseline;
  excludedBy: ExclusionRule | null;
  snapshot: string | null;
  freshnessDays: number;
}

/**
 * The latest snapshot's activity and the tenant's exclusion verdict, from the published file (read-only). Group
 * exclusion means membership, transitive, asked of Graph now (checkMemberGroups), not only licence groups.
 */
export async function warehouseFacts(
  dbPath: string,
  graph: GraphClient,
  tenantId: string,
  userId: string,
  upn: string | undefined,
  licenceGroups: string[],
): Promise<WarehouseFacts> {
  const db = await openReadOnly(dbPath);
  try {
    const a = (
      await db.query(
        `SELECT last_activity_date::VARCHAR AS last, activity_snapshot_date::VARCHAR AS snap
         FROM user_last_activity WHERE tenant_id = $1 AND user_id = $2`,
        [tenantId, userId],
      )
    ).rows[0];
    const t = (
      await db.query(
        `SELECT (SELECT snapshot_date::VARCHAR FROM latest_snapshot WHERE tenant_id = $1) AS snapshot,
                (SELECT freshness_days FROM tenant_settings WHERE tenant_id = $1) AS freshness,
                (SELECT exclude_group_ids FROM tenant_settings WHERE tenant_id = $1) AS groups`,
        [tenantId],
      )
    ).rows[0];
    const excludeGroups = (t?.groups as string[] | null) ?? [];
    const member = excludeGroups.length ? await memberGroups(graph, userId, excludeGroups) : [];
    return {
      activity: { lastActivityDate: (a?.last as string | null) ?? null, snapshotDate: (a?.snap as string | null) ?? null },
      // The rule of the view the approver's list came from (exclusion.ts), on the user's UPN and groups now.
      excludedBy: await exclusionFor(db, tenantId, upn ?? '', [...licenceGroups, ...member]),
      snapshot: (t?.snapshot as string | null) ?? null,
      freshnessDays: Number(t?.freshness ?? DEFAULT_SETTINGS.freshnessDays),
    };
  } finally {
    db.close();
  }
}
