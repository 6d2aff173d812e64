// `export` and exportViews: files from a read-only ATTACH of the published warehouse, a manifest that matches them,
// CSV cells safe for spreadsheets, and the published file untouched.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportError, exportAfterRun, exportViews, scheduledExportFromEnv, type ExportManifest } from '../../src/export/index';
import { openReadOnly } from '../../src/warehouse/index';
import { EVIL_DETAIL, buildWarehouse, type BuiltWarehouse } from '../support/build-warehouse';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
let wh: BuiltWarehouse;
let plain: BuiltWarehouse;
// Its own warehouse: these tests reopen the writer, which recreates every model (license_spend too), and republish.
let marks: BuiltWarehouse;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
async function count(sql: string, file: string): Promise<number> {
  const ro = await openReadOnly(file);
  try {
    return Number((await ro.query(sql)).rows[0]!.n);
  } finally {
    ro.close();
  }
}

beforeAll(async () => {
  wh = await buildWarehouse({ spend: true });
  plain = await buildWarehouse();
  marks = await buildWarehouse();
}, 180_000);

describe('exportViews', () => {
  it('writes the default views (license_spend when present) as CSV with a manifest that matches the files', async () => {
    const before = { sha: sha(wh.published), mtime: statSync(wh.published).mtimeMs };
    const dir = path.join(wh.root, 'out-csv');
    const { manifestPath, manifest } = await exportViews({ publishedPath: wh.published, toDir: dir, format: 'csv' });
    expect(manifest.views.map((v) => v.view)).toEqual(['license_utilization', 'inactive_licensed_users', 'license_spend']);
    expect(manifest.snapshot_date).toBe('2024-05-11');
    expect(manifest.format).toBe('csv');
    expect(Date.parse(manifest.exported_at)).toBeGreaterThan(Date.now() - 60_000);
    for (const v of manifest.views) {
      const file = path.join(dir, v.file);
      expect(v.sha256).toBe(sha(file));
      expect(v.bytes).toBe(statSync(file).size);
      expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(v.rows + 1);
      expect(v.rows).toBe(await count(`SELECT count(*) AS n FROM ${v.view}`, wh.published));
    }
    expect(JSON.parse(readFileSync(manifestPath, 'utf8'))).toEqual(manifest);
    // The published warehouse was only read.
    expect(sha(wh.published)).toBe(before.sha);
    expect(statSync(wh.published).mtimeMs).toBe(before.mtime);
  });

  it('exports any view or table by name; Parquet keeps text values exactly', async () => {
    const csvDir = path.join(wh.root, 'out-reclaim-csv');
    await exportViews({ publishedPath: wh.published, toDir: csvDir, format: 'csv', views: ['reclamations'] });
    const csv = readFileSync(path.join(csvDir, 'reclamations.csv'), 'utf8');
    // Not a formula (it starts with "<"): kept as it is.
    expect(csv).toContain(EVIL_DETAIL);
    const pqDir = path.join(wh.root, 'out-parquet');
    const { manifest } = await exportViews({ publishedPath: wh.published, toDir: pqDir, format: 'parquet', views: ['reclamations', 'license_utilization'] });
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const rows = (await c.runAndReadAll(`SELECT detail FROM '${path.join(pqDir, 'reclamations.parquet')}' WHERE detail IS NOT NULL`)).getRowsJson();
      expect(rows).toEqual([[EVIL_DETAIL]]);
      const n = (await c.runAndReadAll(`SELECT count(*)::INT FROM '${path.join(pqDir, 'license_utilization.parquet')}'`)).getRowsJson();
      expect(n).toEqual([[manifest.views[1]!.rows]]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('prefixes cells starting with = + - @ in CSV', async () => {
    // A warehouse value crafted as a formula: an actor named "=HYPERLINK(...)" in the reclamation log.
    const { recordReclamationEvent, publish, closeWarehouse } = await import('../../src/warehouse/index');
    const work = path.join(marks.root, 'work', 'm365.duckdb');
    await recordReclamationEvent(work, {
      workflowId: 'w-f',
      tenantId: 't',
      userId: '-2',
      event: 'requested',
      actor: '=HYPERLINK("http://evil")',
      at: '2024-05-12T00:00:00Z',
      reason: '+1',
      detail: '@SUM(A1)',
    });
    await publish(work, marks.published);
    await closeWarehouse(work);
    const dir = path.join(marks.root, 'formula-csv');
    await exportViews({ publishedPath: marks.published, toDir: dir, format: 'csv', views: ['reclamations'] });
    const line = readFileSync(path.join(dir, 'reclamations.csv'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('w-f'))!;
    expect(line).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(line).toContain(`,'+1,`);
    expect(line).toContain(`'@SUM(A1)`);
    expect(line).toContain(`,'-2,`);
  });

  it('strips control characters and quotes formulas hidden behind blanks, line breaks or fullwidth signs', async () => {
    const { recordReclamationEvent, publish, closeWarehouse } = await import('../../src/warehouse/index');
    const work = path.join(marks.root, 'work', 'm365.duckdb');
    await recordReclamationEvent(work, {
      workflowId: 'w-g',
      tenantId: 't',
      userId: ' =1+1',
      event: 'requested',
      actor: '\uFF1DSUM(A1)',
      at: '2024-05-13T00:00:00Z',
      reason: '\n=cmd',
      detail: '\u001b]0;pwned\u0007\u001b[2Jok\u202e',
    });
    await publish(work, marks.published);
    await closeWarehouse(work);
    const dir = path.join(marks.root, 'hidden-csv');
    await exportViews({ publishedPath: marks.published, toDir: dir, format: 'csv', views: ['reclamations'] });
    const text = readFileSync(path.join(dir, 'reclamations.csv'), 'utf8');
    // eslint-disable-next-line no-control-regex -- the assertion is about control characters
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text).toContain(`,' =1+1,`);
    expect(text).toContain(`'\uFF1DSUM(A1)`);
    expect(text).toContain(`"'\n=cmd"`);
    expect(text).toContain(`]0;pwned[2Jok`);
  });

  it('leaves license_spend out when the warehouse has none, and refuses unknown views naming the ones there are', async () => {
    const { manifest } = await exportViews({ publishedPath: plain.published, toDir: path.join(plain.root, 'o'), format: 'csv' });
    expect(manifest.views.map((v) => v.view)).toEqual(['license_utilization', 'inactive_licensed_users']);
    const err = await exportViews({ publishedPath: plain.published, toDir: path.join(plain.root, 'x'), format: 'csv', views: ['nope'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/Unknown view nope; the warehouse has: .*license_utilization/);
  });

  it('after each run when M365_EXPORT_DIR is set, and not otherwise', async () => {
    expect(scheduledExportFromEnv({})).toBeNull();
    expect(await exportAfterRun(plain.published, {})).toBeNull();
    expect(() => scheduledExportFromEnv({ M365_EXPORT_DIR: '/tmp/x', M365_EXPORT_FORMAT: 'xlsx' })).toThrow(/csv or parquet/);
    const dir = path.join(plain.root, 'scheduled');
    const m = await exportAfterRun(plain.published, { M365_EXPORT_DIR: dir, M365_EXPORT_FORMAT: 'parquet' });
    expect(m?.views.map((v) => v.file)).toEqual(['license_utilization.parquet', 'inactive_licensed_users.parquet']);
  });
});

describe('m365-license export', () => {
  it('writes files and prints the manifest as JSON', () => {
    const dir = path.join(wh.root, 'cli-out');
    const r = spawnSync(process.execPath, [BIN, 'export', '--db', wh.published, '--to', dir, '--format', 'parquet', '--views', 'license_utilization', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout) as ExportManifest;
    expect(m.views).toEqual([expect.objectContaining({ view: 'license_utilization', file: 'license_utilization.parquet', rows: 2 })]);
    const bad = spawnSync(process.execPath, [BIN, 'export', '--db', wh.published, '--to', dir, '--format', 'xlsx'], { encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format must be csv or parquet');
  }, 120_000);
});
