// Upgrading a warehouse from before the partitions (schema version 3: every snapshot in tables): the first writer
// open moves each (tenant, day) into Parquet partitions and drops the old tables; the same questions give the
// same answers.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWarehouse } from '../../../src/warehouse/index';
import { TENANT, tempDir } from '../../support/staging-fixtures';
import { warehouseAtVersion } from '../../support/old-warehouse';
import { queryWork } from '../../support/work-query';

afterEach(async () => {
  await closeWarehouse();
});

/** A version-3 warehouse with two snapshots: bob loses his licence and carol appears on the second day. */
const versionThreeWarehouse = (file: string): Promise<void> =>
  warehouseAtVersion(file, 3, async (c) => {
    const t = `'${TENANT}'`;
    await c.run(`INSERT INTO snapshots VALUES (${t}, DATE '2024-05-10', 'r1', now(), true, false, false, DATE '2024-05-08'),
                                            (${t}, DATE '2024-05-11', 'r2', now(), true, false, false, DATE '2024-05-09')`);
    await c.run(`INSERT INTO users (tenant_id, snapshot_date, user_id, user_principal_name, account_enabled) VALUES
    (${t}, DATE '2024-05-10', 'u-alice', 'alice@contoso.com', true), (${t}, DATE '2024-05-10', 'u-bob', 'bob@contoso.com', true),
    (${t}, DATE '2024-05-11', 'u-alice', 'alice@contoso.com', true), (${t}, DATE '2024-05-11', 'u-bob', 'bob@contoso.com', false),
    (${t}, DATE '2024-05-11', 'u-carol', 'carol@contoso.com', true)`);
    await c.run(`INSERT INTO license_assignments (tenant_id, snapshot_date, user_id, sku_id) VALUES
    (${t}, DATE '2024-05-10', 'u-alice', 'e5'), (${t}, DATE '2024-05-10', 'u-bob', 'e3'), (${t}, DATE '2024-05-11', 'u-alice', 'e5')`);
    await c.run(`INSERT INTO skus (tenant_id, snapshot_date, sku_id, sku_part_number, prepaid_enabled, consumed_units) VALUES
    (${t}, DATE '2024-05-10', 'e5', 'SPE_E5', 10, 1), (${t}, DATE '2024-05-10', 'e3', 'SPE_E3', 5, 1),
    (${t}, DATE '2024-05-11', 'e5', 'SPE_E5', 10, 1), (${t}, DATE '2024-05-11', 'e3', 'SPE_E3', 5, 0)`);
    await c.run(`INSERT INTO office365_active_user_detail (tenant_id, snapshot_date, user_id, report_refresh_date, user_principal_name, is_deleted, exchange_last_activity_date) VALUES
    (${t}, DATE '2024-05-10', 'u-alice', DATE '2024-05-08', 'alice@contoso.com', false, DATE '2024-05-07'),
    (${t}, DATE '2024-05-11', 'u-alice', DATE '2024-05-09', 'alice@contoso.com', false, DATE '2024-05-09')`);
  });

describe('upgrade from the single-file warehouse', () => {
  it('moves every snapshot into partitions and answers the same', async () => {
    const root = tempDir();
    const work = path.join(root, 'work', 'm365.duckdb');
    await versionThreeWarehouse(work);
    // As analysts see it after the next publish: the moved tenants' marts are due, not recomputed at open.
    const q = (sql: string) => queryWork(work, sql);
    expect(await q(`SELECT snapshot_date::VARCHAR AS d, string_agg(user_id || ':' || account_enabled, ',' ORDER BY user_id) AS u FROM users GROUP BY 1 ORDER BY 1`)).toEqual([
      { d: '2024-05-10', u: 'u-alice:true,u-bob:true' },
      { d: '2024-05-11', u: 'u-alice:true,u-bob:false,u-carol:true' },
    ]);
    expect(await q(`SELECT snapshot_date::VARCHAR AS d, count(*)::INT AS n FROM license_assignments GROUP BY 1 ORDER BY 1`)).toEqual([
      { d: '2024-05-10', n: 2 },
      { d: '2024-05-11', n: 1 },
    ]);
    expect(await q(`SELECT snapshot_date::VARCHAR AS d, sku_part_number AS p, utilization::DOUBLE AS u FROM license_utilization_history ORDER BY 1, 2`)).toEqual([
      { d: '2024-05-10', p: 'SPE_E3', u: 0.2 },
      { d: '2024-05-10', p: 'SPE_E5', u: 0.1 },
      { d: '2024-05-11', p: 'SPE_E3', u: 0 },
      { d: '2024-05-11', p: 'SPE_E5', u: 0.1 },
    ]);
    // The current state and the marts are the latest day's.
    expect(await q(`SELECT user_id, last_activity_date::VARCHAR AS last FROM user_last_activity ORDER BY 1`)).toEqual([
      { user_id: 'u-alice', last: '2024-05-09' },
      { user_id: 'u-bob', last: null },
      { user_id: 'u-carol', last: null },
    ]);
    expect(await q(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name LIKE 'legacy_%'`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT user_id, change FROM users_changes WHERE snapshot_date = '2024-05-11' ORDER BY 1`)).toEqual([
      { user_id: 'u-bob', change: 'upsert' },
      { user_id: 'u-carol', change: 'upsert' },
    ]);
  });
});
