// A load that exceeds the writer's memory cap fails once, naming the setting to raise, instead of retrying.
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarehouseWriteActivities } from '../../../src/activities/warehouse';
import { closeWarehouse } from '../../../src/warehouse';
import { NON_RETRYABLE } from '../../../src/shared/errors';
import { tempDir, TENANT, writeStaging } from '../../support/staging-fixtures';

describe('the warehouse writer over its memory cap', () => {
  afterEach(async () => {
    delete process.env.M365_DUCKDB_MEMORY_LIMIT;
    await closeWarehouse();
  });

  it('fails with WarehouseOutOfMemoryError naming M365_DUCKDB_MEMORY_LIMIT, a type the workflows do not retry', async () => {
    process.env.M365_DUCKDB_MEMORY_LIMIT = '16MB'; // far below what reading a page file needs
    const root = tempDir('oom-');
    const stagingDir = writeStaging(root);
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(root, 'work', 'm365.duckdb'), dbPath: path.join(root, 'm365.duckdb'), historyDays: 0 });
    const env = new MockActivityEnvironment();
    const err = await env.run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'oom-run', snapshotDate: '2024-05-10' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('WarehouseOutOfMemoryError');
    expect(err?.message).toContain('M365_DUCKDB_MEMORY_LIMIT');
    expect(NON_RETRYABLE).toContain('WarehouseOutOfMemoryError');
  });
});
