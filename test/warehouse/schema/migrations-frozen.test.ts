// Released migrations are frozen: a warehouse records only the version it applied, so an edited migration would
// silently give new warehouses a different schema than upgraded ones. Each version's text is pinned here by its
// SHA-256; a new migration adds its line, and a failing line means an applied migration was edited.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWarehouse, MIGRATIONS } from '../../../src/warehouse/index';
import { expandMigration } from '../../../src/warehouse/schema/migrations';
import { FROZEN_MIGRATIONS } from '../../../src/warehouse/schema/migrations/index';
import { tempDir } from '../../support/staging-fixtures';
import { warehouseAtVersion } from '../../support/old-warehouse';
import { sql as shippedVersionThree } from '../../support/v003-views-as-shipped';
import { queryWork } from '../../support/work-query';

const RECORDED: Record<number, string> = {
  1: '3dd8eb965638a2d15faa48f859026405e3eeba4fc9457b69240be65a39dcd68a',
  2: '65996ae76702ff5ac661eea12b56bb7568355014d118e7e94816a35860460558',
  // Emptied on purpose: its twelve views are models recreated on every open (the text as shipped is below).
  3: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  4: '09447f48bd8ff7d5d9a2d1e750982f3e4793dd530a607e62c8fa8b58ad3240d2',
  5: '38b087b1ba19ca45e12f9927e2a7f3f4066e1f8f35a0d6d7644a4f2b5207bc0d',
  6: '20659f31bd673423e57815c10b77614fdcd81519c4635fed5b2e46cb72ab9013',
  7: '60c8f55212aedf67bce85bdbe705d88ef5a0faa93d232cdf477e425d9d41a2ad',
  8: '016dfc033dd28ea20d4a4790ccfb66cac40b42695726573e00cca8db7a201dfc',
  9: '5da44df0f5bc47e5573a4748df1dd2393b03e9bb33b7be59068a13c6c686a744',
  10: 'f3b73754136fae4baf231ee8e62f21b9556435f148f8d1304aa183feef03676a',
  11: 'dab3e5d0f1914bc6064dc10d591eb966a11064da3dd620c2d3a046fa6c99b322',
  12: '63ecf50c1e2c9ae7ff2de0ff9a947b7dce0c3b7a92ecf8d6ed1fbf4f6fc3a770',
};
/** Version 3 as released, the text warehouses of that age applied. */
const SHIPPED_VERSION_THREE = 'fabed0c36102c34c3ee71d10085870ab6a8f5628a15a56ab252d9b3bc833d03e';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

afterEach(async () => {
  await closeWarehouse();
});

describe('frozen migrations', () => {
  it('numbers the versions 1, 2, 3, … with none left out', () => {
    expect(FROZEN_MIGRATIONS.map((m) => m.version)).toEqual(FROZEN_MIGRATIONS.map((_, i) => i + 1));
    expect(MIGRATIONS.map((m) => [m.version, m.name])).toEqual(FROZEN_MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('keeps every applied migration byte for byte as recorded', () => {
    const actual = Object.fromEntries(FROZEN_MIGRATIONS.map((m) => [m.version, sha256(m.text)]));
    expect(actual).toEqual(RECORDED);
  });

  it('keeps the upgrade tests on version 3 as it shipped', () => {
    expect(sha256(shippedVersionThree)).toBe(SHIPPED_VERSION_THREE);
  });

  it('fills in only the reference data paths, quoted, from data/', () => {
    const text = FROZEN_MIGRATIONS.find((m) => m.version === 5)!.text;
    const sql = expandMigration(text);
    expect(sql).not.toMatch(/\{\{/);
    const prices = path.resolve(import.meta.dirname, '..', '..', '..', 'data', 'prices.csv');
    expect(sql).toContain(`read_csv('${prices}'`);
    expect(() => expandMigration("{{ data_file('no-such-file.csv') }}")).toThrow(/Reference data file not found/);
  });

  it('gives a new warehouse the catalog an upgraded version-3 warehouse ends with', async () => {
    const catalog = `SELECT schema_name || '.' || table_name || '.' || column_name || ' ' || data_type AS c FROM duckdb_columns()
                     WHERE schema_name IN ('main', 'internal') AND table_name <> 'schema_migrations' ORDER BY 1`;
    const fresh = path.join(tempDir(), 'work', 'm365.duckdb');
    const upgraded = path.join(tempDir(), 'work', 'm365.duckdb');
    await warehouseAtVersion(upgraded, 3, async () => {});
    const a = await queryWork(fresh, catalog);
    const b = await queryWork(upgraded, catalog);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    // Version 3 created latest_activity_snapshot beside the answers; the helper now lives in `internal` only.
    const helper = b.map((r) => String(r.c)).filter((c) => c.includes('.latest_activity_snapshot.'));
    expect(helper.length).toBeGreaterThan(0);
    expect(helper.every((c) => c.startsWith('internal.'))).toBe(true);
  });
});
