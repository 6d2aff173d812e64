// No DuckDB instance of the daily run's warehouse steps runs without the configured memory cap: each instance the
// load, publish, report and export open (and the Graph worker's detect) is asked for the limit it actually applies.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWarehouseWriteActivities } from '../../src/activities/warehouse';
import { closeWarehouse, detectAnonymization } from '../../src/warehouse';
import { daysBefore, todayUtc } from '../support/dates';
import { tempDir, TENANT, writeStaging } from '../support/staging-fixtures';

// A recent day: retention counts back from today and refuses to load a day it would prune at once.
const DAY = daysBefore(todayUtc(), 1);

// 300MB as DuckDB reports it back (binary units); DuckDB's own default is 80% of the machine's RAM.
const CONFIGURED = '300MB';
const APPLIED = '286.1 MiB';
const MIB: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, TiB: 1024 * 1024 };
/** Instances above the configured limit. The writer lock's own instance holds a file lock, no data, and is capped lower. */
const overLimit = (list: { file: string; limit: string }[]) =>
  list.filter((o) => {
    const [n, unit] = o.limit.split(' ');
    return o.file.endsWith('.writer.lock') ? Number(n) * (MIB[unit!] ?? Infinity) > 286.1 : o.limit !== APPLIED;
  });

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
    const stagingDir = writeStaging(root, { snapshotDate: DAY });
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(root, 'work', 'm365.duckdb'), dbPath: path.join(root, 'm365.duckdb') });
    const env = new MockActivityEnvironment();
    await env.run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'limit-run', snapshotDate: DAY, afterPublish: false });
    await env.run(activities.afterPublish, { tenantId: TENANT });
    // The writer, publish's check of its copy, the report's read-only session, the export's in-memory session.
    expect(opened.map((o) => o.file)).toEqual(expect.arrayContaining(['m365.duckdb', ':memory:']));
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(overLimit(opened)).toEqual([]);
  });

  it('holds for the report and export written inside the load (runs started before afterPublish existed)', async () => {
    const root = tempDir('memlimit-');
    process.env.M365_EXPORT_DIR = path.join(root, 'export');
    const stagingDir = writeStaging(root, { snapshotDate: DAY });
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(root, 'work', 'm365.duckdb'), dbPath: path.join(root, 'm365.duckdb') });
    await new MockActivityEnvironment().run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'limit-run', snapshotDate: DAY });
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(overLimit(opened)).toEqual([]);
  });

  it("holds for the Graph worker's detect step", async () => {
    await detectAnonymization(writeStaging(tempDir('memlimit-')));
    expect(opened).toEqual([{ file: ':memory:', limit: APPLIED }]);
  });
});
