// A published warehouse for the report and export tests, built the way the pipeline builds one: hand-made staging
// directories loaded and published, plus reclamation events carrying HTML in their text (it must stay text).
import path from 'node:path';
import { loadStagingDir, publish, recordReclamationEvent, withWriter, closeWarehouse } from '../../src/warehouse/index';
import { historyRootFor } from '../../src/warehouse/history/layout';
import { refreshDueMarts } from '../../src/warehouse/models/build';
import { TENANT, tempDir, writeStaging } from './staging-fixtures';

export const EVIL_ACTOR = `<img src=x onerror="console.error('xss-actor')">`;
export const EVIL_DETAIL = `</td><script>console.error('xss-detail')</script>=cmd|' /C calc'!A0`;

export interface BuiltWarehouse {
  root: string;
  published: string;
}

/** The spend and savings views, as far as the report needs them: present here so their sections render. */
const SPEND_VIEWS = `
CREATE OR REPLACE VIEW license_spend AS
  SELECT u.tenant_id, u.sku_part_number, 'USD' AS currency, p.monthly::DECIMAL(12,2) AS unit_price_monthly, u.purchased, u.assigned,
         (u.purchased * p.monthly * 12)::DECIMAL(14,2) AS annual_spend,
         ((u.purchased - u.assigned) * p.monthly * 12)::DECIMAL(14,2) AS unassigned_annual_cost,
         (coalesce(i.n, 0) * p.monthly * 12)::DECIMAL(14,2) AS inactive_annual_cost
  FROM license_utilization u
  JOIN (VALUES ('SPE_E5', 57.0), ('SPE_E3', 36.0)) p(sku, monthly) ON p.sku = u.sku_part_number
  LEFT JOIN (SELECT tenant_id, sku, count(*) AS n FROM (SELECT tenant_id, unnest(sku_part_numbers) AS sku FROM inactive_licensed_users) GROUP BY ALL) i
    ON i.tenant_id = u.tenant_id AND i.sku = u.sku_part_number;
CREATE OR REPLACE VIEW savings_opportunities AS
  SELECT tenant_id, 'reclaim_inactive' AS kind, user_id, unnest(sku_part_numbers) AS sku_part_number, 1 AS seats,
         57.0::DECIMAL(12,2) AS monthly_saving, 684.0::DECIMAL(12,2) AS annual_saving, 'USD' AS currency, 'now' AS realizable,
         DATE '2024-05-11' AS realizable_on
  FROM inactive_licensed_users
  UNION ALL
  SELECT DISTINCT tenant_id, 'reduce_unassigned', NULL, 'SPE_E3', 2, 72.0, 864.0, 'USD', 'at_renewal', DATE '2024-09-01' FROM license_utilization;
`;

export async function buildWarehouse(opts: { spend?: boolean } = {}): Promise<BuiltWarehouse> {
  const root = tempDir('report-');
  const work = path.join(root, 'work', 'm365.duckdb');
  const published = path.join(root, 'm365.duckdb');
  const staging = path.join(root, 'staging', TENANT);
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(staging, { snapshotDate: '2024-05-09', refreshDate: '2024-05-07' }) });
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(staging, { snapshotDate: '2024-05-10' }) });
  // The latest day's reports came back concealed: the report must say so in a banner.
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(staging, { snapshotDate: '2024-05-11', refreshDate: '2024-05-09', concealed: true }) });
  await recordReclamationEvent(work, {
    workflowId: 'reclaim-1',
    tenantId: TENANT,
    userId: 'u-carol',
    event: 'requested',
    actor: EVIL_ACTOR,
    at: '2024-05-11T09:00:00Z',
    reason: 'inactive',
    skus: ['SPE_E5'],
  });
  await recordReclamationEvent(work, {
    workflowId: 'reclaim-1',
    tenantId: TENANT,
    userId: 'u-carol',
    event: 'executed',
    actor: 'approver',
    at: '2024-05-11T10:00:00Z',
    skus: ['SPE_E5'],
    outcome: 'executed',
    detail: EVIL_DETAIL,
  });
  // The real money marts are tables refreshed at publish: refreshed now, then stood in for by these views (spend) or
  // dropped (a "plain" warehouse stands for one published before money existed).
  await withWriter(work, async (c) => {
    await refreshDueMarts(c, historyRootFor(work));
    await c.run('DROP VIEW IF EXISTS savings_opportunities; DROP TABLE IF EXISTS license_spend;');
    if (opts.spend) await c.run(SPEND_VIEWS);
  });
  await publish(work, published);
  await closeWarehouse(work);
  return { root, published };
}
