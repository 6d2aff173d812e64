// Nothing the pipeline writes is world-readable (umask 077; working database 0600 in a
// 0700 directory); the published file is 0640 by default, mode and group are settings; publish sweeps the
// temporary copies a crashed publish left; a committed load whose publish fails is recorded on its own run row.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { createWarehouseWriteActivities } from '../../src/activities/warehouse';
import { writeFileAtomic } from '../../src/activities/staging-files';
import { closeWarehouse, loadStagingDir, publish } from '../../src/warehouse';
import { parsePublishedMode, PublishedAccessError, resolveGroup } from '../../src/warehouse/publish/file-modes';
import { TENANT, tempDir, writeStaging } from '../support/staging-fixtures';
import { cli } from '../support/security-helpers';

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');
afterAll(() => closeWarehouse());

/** Every row of the runs table of a database file, opened read-only in its own instance. */
async function runs(file: string): Promise<Array<{ run_id: string; tenant_id: string; status: string; message: string }>> {
  const inst = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const conn = await inst.connect();
    const r = await conn.runAndReadAll('SELECT run_id, tenant_id, status, message FROM runs ORDER BY run_id');
    conn.closeSync();
    return r.getRowObjectsJson() as never;
  } finally {
    inst.closeSync();
  }
}

describe('file modes', () => {
  it('import through the CLI: working database 0600 in 0700, published file 0640 and its directory searchable by the group', async () => {
    const root = tempDir('sec-modes-');
    const data = path.join(root, 'data');
    const staging = writeStaging(path.join(root, 'staging'));
    const r = await cli(['import', '--from', staging], { M365_DATA_DIR: data });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(mode(path.join(data, 'work'))).toBe('0700');
    expect(mode(path.join(data, 'work', 'm365.duckdb'))).toBe('0600');
    expect(mode(path.join(data, 'm365.duckdb'))).toBe('0640');
    // The data directory was created 0700 by the umask; publish adds group search (x) only, for the analysts.
    expect(mode(data)).toBe('0710');
    for (const f of readdirSync(path.join(data, 'work'))) expect(mode(path.join(data, 'work', f)), f).toBe('0600');
  });

  it("M365_PUBLISHED_MODE and M365_PUBLISHED_GROUP set the published file's mode and group", async () => {
    const root = tempDir('sec-group-');
    const data = path.join(root, 'data');
    const staging = writeStaging(path.join(root, 'staging'));
    const gid = resolveGroup('daemon')!;
    const r = await cli(['import', '--from', staging], { M365_DATA_DIR: data, M365_PUBLISHED_MODE: '0600', M365_PUBLISHED_GROUP: 'daemon' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(mode(path.join(data, 'm365.duckdb'))).toBe('0600');
    expect(statSync(path.join(data, 'm365.duckdb')).gid).toBe(gid);
  });

  it('refuses a published mode that lets others write, and an unknown group', async () => {
    expect(parsePublishedMode(undefined)).toBe(0o640);
    expect(parsePublishedMode('640')).toBe(0o640);
    for (const bad of ['0664', '0646', '0755', '0777', 'rw-r-----', '0040']) expect(() => parsePublishedMode(bad), bad).toThrow(PublishedAccessError);
    expect(() => resolveGroup('no-such-group-m365')).toThrow(/not a group on this machine/);
    const r = await cli(['import', '--from', tempDir('x-')], { M365_DATA_DIR: tempDir('sec-badmode-'), M365_PUBLISHED_MODE: '0666' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/M365_PUBLISHED_MODE: must not let group or others write/);
  });

  it('staged files are written 0600 even under a permissive umask', async () => {
    const dir = tempDir('sec-stage-');
    const old = process.umask(0o022);
    try {
      await writeFileAtomic(path.join(dir, 'page-0001.json'), '{}');
    } finally {
      process.umask(old);
    }
    expect(mode(path.join(dir, 'page-0001.json'))).toBe('0600');
  });
});

describe('durable publish', () => {
  it("sweeps temporary copies left by a dead publisher, keeps a live one's", async () => {
    const root = tempDir('sec-sweep-');
    const work = path.join(root, 'work', 'm365.duckdb');
    const published = path.join(root, 'pub', 'm365.duckdb');
    mkdirSync(path.dirname(published), { recursive: true });
    const dead = path.join(path.dirname(published), '.m365.duckdb.publish-999999999-1');
    const live = path.join(path.dirname(published), `.m365.duckdb.publish-${process.ppid}-2`);
    for (const f of [dead, `${dead}.wal`, live]) writeFileSync(f, 'partial copy');
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(root, 'staging')) });
    await publish(work, published);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(`${dead}.wal`)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(path.dirname(published)).filter((f) => f.includes('.publish-') && !f.includes(String(process.ppid)))).toEqual([]);
  });

  it('import: a committed load whose publish fails is recorded on its own run row as publish_failed (no tenant-less row)', async () => {
    const root = tempDir('sec-pubfail-');
    const staging = writeStaging(path.join(root, 'staging'));
    const blocker = path.join(root, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const work = path.join(root, 'work.duckdb');
    const r = await cli(['import', '--from', staging, '--db', path.join(blocker, 'm365.duckdb'), '--work-db', work], { M365_DATA_DIR: path.join(root, 'data') });
    expect(r.code).toBe(1);
    const rows = await runs(work);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ run_id: 'run-2024-05-10', tenant_id: TENANT, status: 'publish_failed' });
    expect(rows[0]!.message).toMatch(/^Loaded into the working database, but publishing it failed .*(EEXIST|ENOTDIR).* \| Loaded 11111111/);
  });

  it("the warehouse activity marks publish_failed, and the workflow's failure record keeps it", async () => {
    const root = tempDir('sec-actfail-');
    const blocker = path.join(root, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const work = path.join(root, 'work', 'm365.duckdb');
    const activities = createWarehouseWriteActivities({ workDbPath: work, dbPath: path.join(blocker, 'm365.duckdb'), historyDays: 0 });
    const env = new MockActivityEnvironment();
    const stagingDir = writeStaging(path.join(root, 'staging'), { runId: 'wf-run' });
    const err = await env.run(activities.loadAndPublish, { stagingDir, tenantId: TENANT, runId: 'wf-run', snapshotDate: '2024-05-10' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // What dailySync does next: record the failure, which must not turn the row into a plain 'failed' one.
    await env
      .run(activities.recordFailedRun, { runId: 'wf-run', tenantId: TENANT, snapshotDate: '2024-05-10', status: 'failed' as const, message: 'failed during load' })
      .catch(() => undefined);
    await closeWarehouse();
    expect(await runs(work)).toEqual([expect.objectContaining({ run_id: 'wf-run', tenant_id: TENANT, status: 'publish_failed' })]);
  });
});
