// The reports beside the published file name a file after a tenant id: only a directory id (a GUID) may, and nothing
// the afterPublish activity is given can write outside `reports/`. Real DuckDB files built as the pipeline builds them.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouseWriteActivities } from '../../src/activities/warehouse';
import { ReportPathError, reportPathFor, reportsDirFor, tenantReportPathFor, writeTenantReportBesidePublished } from '../../src/report/index';
import { closeWarehouse } from '../../src/warehouse/index';
import { buildWarehouse, type BuiltWarehouse } from '../support/build-warehouse';
import { TENANT } from '../support/staging-fixtures';

const HOSTILE = [
  '../../escaped',
  `../${TENANT}`,
  `${TENANT}/../../escaped`,
  `${TENANT}\n`,
  `${TENANT}.html`,
  '/etc/passwd',
  '..',
  '',
  'C:\\escaped',
  '%2e%2e%2fescaped',
  `${TENANT}\0`,
];

let wh: BuiltWarehouse;
beforeAll(async () => {
  wh = await buildWarehouse();
}, 120_000);
afterEach(async () => {
  await closeWarehouse();
});

/** Every file under `root`, relative. */
const filesUnder = (root: string): string[] => readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();

describe('tenant report paths', () => {
  it('name a directory id in lower case under reports/, and refuse every other id before touching the disk', () => {
    expect(tenantReportPathFor(wh.published, TENANT.toUpperCase())).toBe(path.join(reportsDirFor(wh.published), `${TENANT}.html`));
    for (const id of HOSTILE) expect(() => tenantReportPathFor(wh.published, id), JSON.stringify(id)).toThrow(ReportPathError);
  });

  it('refuse to write through a link planted in place of reports/', async () => {
    const dir = path.join(wh.root, 'linked');
    mkdirSync(dir);
    const published = path.join(dir, 'm365.duckdb');
    symlinkSync(wh.published, published);
    const elsewhere = path.join(wh.root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(dir, 'reports'));
    await expect(writeTenantReportBesidePublished(published, TENANT)).rejects.toThrow(/not a directory/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('afterPublish with a hostile tenant id', () => {
  it('writes no file outside reports/, logs the refusal without failing, and still rewrites the fleet page', async () => {
    const activities = createWarehouseWriteActivities({ workDbPath: path.join(wh.root, 'work', 'm365.duckdb'), dbPath: wh.published });
    const warnings: string[] = [];
    const logger = new DefaultLogger('WARN', (e) => void warnings.push(`${e.message} ${JSON.stringify(e.meta)}`));
    const env = new MockActivityEnvironment(undefined, { logger });
    rmSync(reportsDirFor(wh.published), { recursive: true, force: true });
    const before = filesUnder(wh.root);
    for (const tenantId of HOSTILE) await expect(env.run(activities.afterPublish, { tenantId })).resolves.toBeUndefined();
    expect(warnings.filter((w) => w.includes('report not written') && w.includes('ReportPathError'))).toHaveLength(HOSTILE.length);
    // Nothing new but the fleet's page (and the writer's own files): no file named after an id, not even reports/.
    expect(filesUnder(wh.root).filter((f) => !before.includes(f) && !f.startsWith(`work${path.sep}`))).toEqual(before.includes('report.html') ? [] : ['report.html']);
    expect(existsSync(path.join(wh.root, '..', 'escaped.html'))).toBe(false);
    expect(readFileSync(reportPathFor(wh.published), 'utf8')).toContain(`<tr data-tenant="${TENANT}">`);

    await env.run(activities.afterPublish, { tenantId: TENANT });
    expect(filesUnder(reportsDirFor(wh.published))).toEqual([`${TENANT}.html`]);
  }, 120_000);
});
