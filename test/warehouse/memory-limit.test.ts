// No DuckDB instance of the daily run's warehouse steps runs without the configured memory cap: each instance the
// load, publish, report and export open (and the Graph worker's detect) is asked for the limit it actually applies.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWarehouseWriteActivities } from '../../src/activities/warehouse';
import { closeWarehouse, detectAnonymization } from '../../src/warehouse';
import { tempDir, TENANT, writeStaging } from './fixtures';

// 300MB as DuckDB reports it back (binary units); DuckDB's own default is 80% of the machine's RAM.
const CONFIGURED = '300MB';
const APPLIED = '286.1 MiB';

describe('the configured DuckDB memory limit', () => {
  let opened: { file: string; limit: string }[];

  beforeEach(() => {
    process.env.M365_DUCKDB_MEMORY_LIMIT = CONFIGURED;
    opened = [];
    const create = DuckDBInstance.create.bind(DuckDBInstance);
    vi.spyOn(DuckDBInstance, 'create').mockImplementation(async (file, options) => {
      const instance = await create(file, options);
      const conn = await instance.connect();
      const limit = String((await conn.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRowsJson()[0]![0]);
      conn.closeSync();
      opened.push({ file: path.basename(file ?? ':memory:'), limit });
      return instance;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    delete process.env.M365_DUCKDB_MEMORY_LIMIT;
    delete process.env.M365_EXPORT_DIR;
    await closeWarehouse();
  });

  it('holds for every instance a load, its publish, the report and the export open', async () => {
    const root = tempDir('memlimit-');
    process.env.M365_EXPORT_DIR = path.join(root, 'export');
    const stagingDir = writeStaging(root);
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(root, 'work', 'm365.duckdb'), dbPath: path.join(root, 'm365.duckdb') });
    const env = new MockActivityEnvironment();
    await env.run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'limit-run', snapshotDate: '2024-05-10', afterPublish: false });
    await env.run(activities.afterPublish);
    // The writer, publish's check of its copy, the report's read-only session, the export's in-memory session.
    expect(opened.map((o) => o.file)).toEqual(expect.arrayContaining(['m365.duckdb', ':memory:']));
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(opened.filter((o) => o.limit !== APPLIED)).toEqual([]);
  });

  it('holds for the report and export written inside the load (runs started before afterPublish existed)', async () => {
    const root = tempDir('memlimit-');
    process.env.M365_EXPORT_DIR = path.join(root, 'export');
    const stagingDir = writeStaging(root);
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(root, 'work', 'm365.duckdb'), dbPath: path.join(root, 'm365.duckdb') });
    await new MockActivityEnvironment().run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'limit-run', snapshotDate: '2024-05-10' });
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(opened.filter((o) => o.limit !== APPLIED)).toEqual([]);
  });

  it("holds for the Graph worker's detect step", async () => {
    await detectAnonymization(writeStaging(tempDir('memlimit-')));
    expect(opened).toEqual([{ file: ':memory:', limit: APPLIED }]);
  });
});
