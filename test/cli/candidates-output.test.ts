// `candidates` prints through the same streaming renderer as `query`: JSON numbers, --limit with the total, report command.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWarehouse, type BuiltWarehouse } from '../support/build-warehouse';
import { TENANT } from '../support/staging-fixtures';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
let wh: BuiltWarehouse;
beforeAll(async () => {
  wh = await buildWarehouse();
}, 120_000);

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('candidates and report from the command line', () => {
  it('candidates --format json gives days as numbers, never-active as null, lists as arrays', () => {
    const r = cli('candidates', '--db', wh.published, '--format', 'json');
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.map((x) => [x.user_principal_name, x.days_inactive, x.sku_part_numbers])).toEqual([
      ['carol@contoso.com', null, ['SPE_E5']],
      ['bob@contoso.com', 159, ['SPE_E3']],
      ['breakglass@contoso.com', 109, ['SPE_E5']],
    ]);
  }, 120_000);

  it('candidates --limit 1 prints one row and the total', () => {
    const r = cli('candidates', '--db', wh.published, '--limit', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('carol@contoso.com');
    expect(r.stdout).not.toContain('bob@contoso.com');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('(3 rows; the first 1 shown: --limit N or --all for more)');
  }, 120_000);

  it("report writes each tenant's report under reports/ and report.html linking them by default, or one file with --out", () => {
    const r = cli('report', '--db', wh.published);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dir = path.dirname(wh.published);
    const index = path.join(dir, 'report.html');
    const tenantFile = path.join(dir, 'reports', `${TENANT}.html`);
    expect(r.stdout).toContain(`Wrote 1 tenant report in ${path.join(dir, 'reports')} and ${index}`);
    expect(readFileSync(tenantFile, 'utf8')).toContain('data-chart="utilization"');
    expect(readFileSync(index, 'utf8')).toContain(`href="reports/${TENANT}.html"`);
    const out = path.join(wh.root, 'elsewhere.html');
    expect(cli('report', '--db', wh.published, '--out', out, '--tenant', 'no-such-tenant').status).toBe(0);
    expect(existsSync(out)).toBe(true);
    // A tenant id that is not a directory id never names a file beside the warehouse.
    const hostile = cli('report', '--db', wh.published, '--tenant', '../../escaped');
    expect(hostile.status).toBe(2);
    expect(hostile.stderr).toContain('not a directory id');
    expect(existsSync(path.join(dir, '..', 'escaped.html'))).toBe(false);
  }, 120_000);
});
