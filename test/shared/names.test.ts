// Every workflow and schedule id is built and parsed in src/shared/names.ts: each parser inverts its builder.
import { describe, expect, it } from 'vitest';
import {
  dailyScheduleId,
  dailyWorkflowId,
  parseDailyScheduleId,
  parseDailyWorkflowId,
  parseReclaimWorkflowId,
  parseRestoreWorkflowId,
  parseScheduledDailyWorkflowId,
  reclaimWorkflowId,
  restoreWorkflowId,
  scheduledDailyWorkflowId,
  TASK_QUEUE,
  WAREHOUSE_TASK_QUEUE,
  warehouseTaskQueueFor,
} from '../../src/shared/names';

const TENANT = '9f3c2a1e-0b4d-4c6e-8a7f-1d2e3f4a5b6c';
const USER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

describe('workflow ids and their inverses', () => {
  it('parse what they build, for tenant ids with dashes', () => {
    expect(parseDailyWorkflowId(dailyWorkflowId(TENANT, '2026-11-27'))).toEqual({ tenantId: TENANT, snapshotDate: '2026-11-27' });
    expect(parseReclaimWorkflowId(reclaimWorkflowId(TENANT, USER))).toEqual({ tenantId: TENANT, userId: USER });
    expect(parseRestoreWorkflowId(restoreWorkflowId(reclaimWorkflowId(TENANT, USER)))).toEqual({ reclaimWorkflowId: reclaimWorkflowId(TENANT, USER) });
    expect(parseDailyScheduleId(dailyScheduleId(TENANT))).toEqual({ tenantId: TENANT });
    expect(parseScheduledDailyWorkflowId(scheduledDailyWorkflowId(TENANT))).toEqual({ tenantId: TENANT });
  });

  it('read the instant Temporal appends to a scheduled action id', () => {
    expect(parseScheduledDailyWorkflowId(`${scheduledDailyWorkflowId(TENANT)}-2026-11-26T02:00:00Z`)).toEqual({ tenantId: TENANT, scheduledAt: '2026-11-26T02:00:00Z' });
  });

  it('refuse ids of another kind', () => {
    expect(parseReclaimWorkflowId(dailyWorkflowId(TENANT, '2026-11-27'))).toBeUndefined();
    expect(parseReclaimWorkflowId(`reclaim-${TENANT}-alice@contoso.com`)).toBeUndefined();
    expect(parseDailyWorkflowId(reclaimWorkflowId(TENANT, USER))).toBeUndefined();
    expect(parseRestoreWorkflowId(reclaimWorkflowId(TENANT, USER))).toBeUndefined();
    expect(parseDailyScheduleId(scheduledDailyWorkflowId(TENANT))).toBeUndefined();
  });

  it('derive the warehouse queue from the main queue (the default pair keeps its names)', () => {
    expect(WAREHOUSE_TASK_QUEUE).toBe('m365-license-warehouse');
    expect(warehouseTaskQueueFor(TASK_QUEUE)).toBe(WAREHOUSE_TASK_QUEUE);
    expect(warehouseTaskQueueFor('test-main-1')).toBe('test-main-1-warehouse');
  });
});
