// Price and contract files are refused whole, naming each bad line and why; nothing is half-imported.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AdminFileError,
  closeWarehouse,
  DEFAULT_PRICES_CSV,
  importContracts,
  importPrices,
  loadStagingDir,
  parsePricesFile,
  publish,
  setPrice,
  withWriter,
} from '../../../src/warehouse/index';
import { knownSkus } from '../../../src/warehouse/admin/prices';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, TENANT, writeTenant } from '../../support/spend-tenant';

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../../bin/m365-license.mjs');

let root: string;
let work: string;
beforeEach(() => {
  root = tempDir('admin-');
  work = path.join(root, 'work', 'm365.duckdb');
});
afterEach(async () => {
  await closeWarehouse();
});

const file = (name: string, lines: string[]): string => {
  const f = path.join(root, name);
  writeFileSync(f, lines.join('\n'));
  return f;
};
const count = (table: string) => withWriter(work, async (c) => Number((await c.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRowsJson()[0]![0]));
const problems = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdminFileError);
  return (err as AdminFileError).problems;
};
const PRICE_HEADER = 'sku_part_number,currency,unit_price_monthly,billing,effective_from,effective_to,tenant';

describe('prices import', () => {
  it('refuses a bad file whole: overlapping ranges, unknown SKU, negative price, bad billing, mixed currencies; nothing lands', async () => {
    const before = await count('prices');
    const bad = file('bad-prices.csv', [
      PRICE_HEADER,
      'SPE_E3,USD,36.00,annual,2026-01-01,2026-06-30,',
      'SPE_E3,USD,39.00,annual,2026-06-01,,', // overlaps line 2
      'NOT_A_SKU,USD,10.00,annual,2026-01-01,,',
      'SPE_E5,USD,-57.00,annual,2026-01-01,,',
      'SPE_E5,USD,57.00,yearly,2026-01-01,,',
      'ENTERPRISEPACK,USD,23.00,annual,2026-01-01,,t1',
      'ENTERPRISEPACK,EUR,21.00,monthly,2026-01-01,,t1', // mixed currencies for one SKU and scope
    ]);
    const p = await problems(importPrices(work, bad));
    expect(p).toEqual([
      { line: 4, reason: expect.stringMatching(/^unknown SKU "NOT_A_SKU"/) },
      { line: 5, reason: 'negative price -57.00' },
      { line: 6, reason: 'billing "yearly" must be one of monthly, annual, triennial' },
    ]);
    // The row-level problems come first; once they are fixed, the cross-row ones are named.
    const bad2 = file('bad-prices-2.csv', [
      PRICE_HEADER,
      'SPE_E3,USD,36.00,annual,2026-01-01,2026-06-30,',
      'SPE_E3,USD,39.00,annual,2026-06-01,,',
      'ENTERPRISEPACK,USD,23.00,annual,2026-01-01,,t1',
      'ENTERPRISEPACK,EUR,21.00,monthly,2026-01-01,,t1',
    ]);
    expect(await problems(importPrices(work, bad2))).toEqual([
      { line: 3, reason: 'effective range 2026-06-01..open of SPE_E3 (annual, all tenants) overlaps line 2 (2026-01-01..2026-06-30)' },
      { line: 5, reason: expect.stringContaining('mixed currencies for ENTERPRISEPACK (tenant t1): EUR here, USD on line 4') },
    ]);
    expect(await count('prices')).toBe(before);
    const err = (await importPrices(work, bad2).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^bad-prices-2\.csv refused, nothing imported \(2 problems\)/);
    expect(err.message).toContain('line 3: effective range');
  });

  it("takes the admin's price over the shipped list price, in any currency; within the admin's own prices overlaps and mixed currencies are refused", async () => {
    const before = await count('prices');
    const listed = async (sku: string) =>
      withWriter(work, async (c) =>
        (
          await c.runAndReadAll(`SELECT currency, unit_price_monthly::VARCHAR, list_price FROM prices WHERE sku_part_number = '${sku}' ORDER BY list_price, effective_from`)
        ).getRowsJson(),
      );
    // A European admin's own price for a SKU whose list price is in USD: imported, the list price kept beside it.
    const eur = file('eur.csv', [PRICE_HEADER, 'POWER_BI_PRO,EUR,14.00,monthly,2026-01-01,,']);
    expect(await importPrices(work, eur)).toEqual({ rows: 1 });
    expect(await listed('POWER_BI_PRO')).toEqual([
      ['EUR', '14.0000', false],
      ['USD', '10.0000', true],
      ['USD', '14.0000', true],
    ]);
    // Overlapping a shipped range is no conflict either: the admin's price outranks it.
    const shippedE3 = (await listed('SPE_E3')).filter((r) => r[2] === true);
    const same = file('same.csv', [PRICE_HEADER, 'SPE_E3,USD,39.50,annual,2026-07-01,,']);
    await importPrices(work, same);
    await importPrices(work, same); // a re-import replaces its own row
    expect(await count('prices')).toBe(before + 2);
    expect((await listed('SPE_E3')).filter((r) => r[2] === true)).toEqual(shippedE3);
    // Within the admin's level: another currency, or an overlapping range, is refused.
    expect(await problems(importPrices(work, file('usd.csv', [PRICE_HEADER, 'POWER_BI_PRO,USD,10.00,annual,2026-01-01,,'])))).toEqual([
      { line: 2, reason: expect.stringContaining('mixed currencies for POWER_BI_PRO (all tenants): USD here, EUR in a stored price') },
    ]);
    expect(await problems(importPrices(work, file('o.csv', [PRICE_HEADER, 'SPE_E3,USD,37.00,annual,2026-05-01,,'])))).toEqual([
      { line: 2, reason: 'effective range 2026-05-01..open of SPE_E3 (annual, all tenants) overlaps a stored price (2026-07-01..open)' },
    ]);
    expect(await count('prices')).toBe(before + 2);
  });

  it('refuses unknown columns, bad dates and an empty file', async () => {
    expect(await problems(importPrices(work, file('c.csv', [`${PRICE_HEADER},price_note`, 'SPE_E3,USD,1,annual,2026-01-01,,,x'])))).toEqual([
      { line: 1, reason: expect.stringMatching(/^unknown column "price_note"/) },
    ]);
    expect(await problems(importPrices(work, file('d.csv', [PRICE_HEADER, 'SPE_E3,USD,1,annual,2026-02-30,2026-01-01,'])))).toEqual([
      { line: 2, reason: 'effective_from "2026-02-30" is not a date (YYYY-MM-DD)' },
    ]);
    expect(await problems(importPrices(work, file('e.csv', [PRICE_HEADER])))).toEqual([{ line: 2, reason: 'no rows after the header' }]);
  });

  it('the shipped data/prices.csv is valid: known SKUs, no overlaps, a source and retrieval date on every row', async () => {
    const known = await withWriter(work, (c) => knownSkus(c));
    const rows = parsePricesFile(DEFAULT_PRICES_CSV, known);
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      expect(r.source, `line ${r.line}`).toMatch(/https:\/\/|licensing reference/);
      expect(r.retrievedOn, `line ${r.line}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.currency).toBe('USD');
    }
    expect(await count('prices')).toBe(rows.length);
  });

  it('prices set closes the price in force and starts the new one; a later price is refused', async () => {
    await setPrice(work, { skuPartNumber: 'SPE_E3', monthly: '41.00', currency: 'USD', from: '2027-01-01', tenantId: TENANT });
    await setPrice(work, { skuPartNumber: 'SPE_E3', monthly: '42.00', currency: 'USD', from: '2027-03-01', tenantId: TENANT });
    const r = await withWriter(work, async (c) =>
      (
        await c.runAndReadAll(`SELECT unit_price_monthly::VARCHAR, effective_from::VARCHAR, effective_to::VARCHAR
      FROM prices WHERE tenant_id = '${TENANT}' ORDER BY effective_from`)
      ).getRowsJson(),
    );
    expect(r).toEqual([
      ['41.0000', '2027-01-01', '2027-02-28'],
      ['42.0000', '2027-03-01', null],
    ]);
    await expect(setPrice(work, { skuPartNumber: 'SPE_E3', monthly: '40.00', currency: 'USD', from: '2027-02-01', tenantId: TENANT })).rejects.toThrow(
      /already has a price from 2027-03-01/,
    );
    await expect(setPrice(work, { skuPartNumber: 'SPE_E3', monthly: '40.00', currency: 'EUR', from: '2027-06-01', tenantId: TENANT })).rejects.toThrow(/mixed currencies/);
    await expect(setPrice(work, { skuPartNumber: 'SPE_E3', monthly: '-1', currency: 'USD', from: '2027-06-01' })).rejects.toThrow(/negative price/);
  });
});

describe('contracts import', () => {
  const HEADER = 'tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing';
  it('refuses a bad file whole, naming line and reason', async () => {
    expect(
      await problems(
        importContracts(
          work,
          file('bad-contracts.csv', [
            HEADER,
            't1,cs-1,,10,2026-01-01,2026-12-31,30.00,USD,annual',
            't1,,NOPE,10,2026-01-01,2026-12-31,30.00,USD,annual',
            't1,cs-2,,-3,2026-01-01,2026-12-31,30.00,USD,annual',
            't1,cs-3,,10,2026-01-01,2026-12-31,-30.00,USD,annual',
            't1,cs-4,,10,2026-01-01,2026-12-31,30.00,USD,weekly',
            't1,cs-5,,10,2026-12-31,2026-01-01,30.00,USD,annual',
            't1,cs-6,,10,2026-01-01,2026-12-31,30.00,,annual',
          ]),
        ),
      ),
    ).toEqual([
      { line: 3, reason: expect.stringMatching(/^unknown SKU "NOPE"/) },
      { line: 4, reason: 'seats_committed "-3" must be a whole number >= 0' },
      { line: 5, reason: 'negative price -30.00' },
      { line: 6, reason: 'billing "weekly" must be one of monthly, annual, triennial' },
      { line: 7, reason: 'term_end 2026-01-01 is before term_start 2026-12-31' },
      { line: 8, reason: 'a contract price needs its currency' },
    ]);
    expect(
      await problems(importContracts(work, file('overlap.csv', [HEADER, 't1,cs-1,,10,2026-01-01,2026-12-31,,,annual', 't1,cs-1,,12,2026-12-01,2027-11-30,,,annual']))),
    ).toEqual([{ line: 3, reason: 'term 2026-12-01..2027-11-30 of subscription cs-1 (tenant t1) overlaps line 2 (2026-01-01..2026-12-31)' }]);
    expect(await count('contracts')).toBe(0);
  });
});

describe('CLI', () => {
  it('prices import refuses a bad file (exit 1, line and reason); savings and prices missing read the published file', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), craftedTenant('2026-05-20', 10)) });
    const published = path.join(root, 'm365.duckdb');
    await publish(work, published);
    await closeWarehouse();
    const env = { ...process.env, M365_DATA_DIR: root };
    const run = async (...args: string[]) => {
      try {
        const r = await exec(
          process.execPath,
          [BIN, ...args, ...(args[0] === 'savings' || args[1] === 'missing' || args[1] === 'list' ? [] : ['--work-db', work]), '--db', published],
          { env, cwd: root },
        );
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const bad = await run('prices', 'import', file('cli-bad.csv', [PRICE_HEADER, 'SPE_E3,USD,abc,annual,2026-01-01,,']));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cli-bad.csv refused, nothing imported');
    expect(bad.stderr).toContain('line 2: price "abc" is not a decimal number');
    const missing = await run('prices', 'missing', '--format', 'json');
    expect(JSON.parse(missing.stdout).map((r: { sku_part_number: string }) => r.sku_part_number)).toEqual(['VISIOCLIENT']);
    const ok = await run('prices', 'set', 'VISIOCLIENT', '--monthly', '15.00', '--currency', 'USD', '--from', '2026-01-01');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('VISIOCLIENT: USD 15.00 per user per month (annual) from 2026-01-01, all tenants.') });
    expect(JSON.parse((await run('prices', 'missing', '--format', 'json')).stdout)).toEqual([]);
    const savings = await run('savings', '--top', '3');
    expect(savings.code).toBe(0);
    expect(savings.stdout).toMatch(/annual spend USD [\d.]+; idle USD/);
    expect(savings.stdout).toContain('savings reduce_unassigned: USD');
    expect(savings.stdout).toContain('Largest opportunities:');

    // Levels: a contract, the admin's price for the tenant, the admin's price for all tenants (EUR over a USD list price), the list.
    const levelOf = async () =>
      Object.fromEntries(
        (JSON.parse((await run('prices', 'list', '--format', 'json')).stdout) as Array<Record<string, string>>).map((r) => [
          r.sku_part_number,
          `${r.level} ${r.currency} ${Number(r.unit_price_monthly)}`,
        ]),
      );
    expect(await levelOf()).toMatchObject({ SPE_E5: 'list USD 57', VISIOCLIENT: 'admin USD 15' });
    expect((await run('prices', 'import', file('eur.csv', [PRICE_HEADER, 'SPE_E5,EUR,52.00,annual,2026-01-01,,']))).code).toBe(0);
    expect((await run('prices', 'set', 'SPE_E3', '--monthly', '30', '--currency', 'CHF', '--from', '2026-01-01', '--tenant', TENANT)).code).toBe(0);
    expect(
      (
        await run(
          'contracts',
          'import',
          file('c.csv', [
            'tenant,commerce_subscription_id,sku_part_number,seats_committed,term_start,term_end,unit_price_monthly,currency,billing',
            `${TENANT},cs-o3,,3,2026-01-15,2027-01-14,20.00,USD,annual`,
          ]),
        )
      ).code,
    ).toBe(0);
    expect(await levelOf()).toMatchObject({ SPE_E5: 'admin EUR 52', SPE_E3: 'tenant CHF 30', ENTERPRISEPACK: 'contract USD 20', Microsoft_365_Copilot: 'list USD 30' });
    const all = JSON.parse((await run('prices', 'list', '--all', '--format', 'json')).stdout) as Array<Record<string, string>>;
    expect(all.filter((r) => r.sku_part_number === 'SPE_E5').map((r) => `${r.tenant} ${r.level} ${r.currency}`)).toEqual(['(all) list USD', '(all) list USD', '(all) admin EUR']);
  }, 240_000);
});
