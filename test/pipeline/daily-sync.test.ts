import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReadOnly } from '../../src/warehouse';
import { dailySync } from '../../src/workflows';
import { startPipeline, type PipelineFixture } from '../helpers/pipeline';
import { connectClient, uniqueName } from '../helpers/temporal';

describe('dailySync end to end (real Temporal, simulator, DuckDB)', () => {
  let p: PipelineFixture;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 2000, seed: 7 } });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('stages, loads and publishes a snapshot analysts can query', async () => {
    const { client, close } = await connectClient();
    try {
      const result = await client.workflow.execute(dailySync, {
        taskQueue: p.taskQueue,
        workflowId: uniqueName('daily'),
        args: [{ tenantId: p.sim.tenantId, snapshotDate: '2026-11-27', warehouseTaskQueue: p.warehouseTaskQueue }],
      });
      expect(result.status).toBe('succeeded');
      expect(result.staged.users.count).toBe(p.sim.state.userCount);
      expect(result.counts.users).toBe(p.sim.state.userCount);
      const db = await openReadOnly(p.config.dbPath);
      try {
        const users = await db.query(`select count(*)::INTEGER as n from users where tenant_id = '${p.sim.tenantId}'`);
        expect(users.rows[0]).toEqual({ n: p.sim.state.userCount });
        const util = await db.query('select * from license_utilization');
        expect(util.rows.length).toBeGreaterThan(3);
        const runs = await db.query(`select status from runs where run_id = '${result.runId}'`);
        expect(runs.rows).toEqual([{ status: 'succeeded' }]);
      } finally {
        await db.close();
      }
    } finally {
      await close();
    }
  });
});
