// `m365-license query` (and `candidates`) are read-only for real. Every escape an analyst's
// shell account could try is refused with a clear message (exit 2), and neither the published file nor the
// working database changes (sha256 before and after).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReadOnly } from '../../src/warehouse';
import { checkReadOnlySql, QueryRefusedError, runReadOnlyQuery } from '../../src/warehouse/query/readonly-query';

/** The escapes most likely to be tried run through the real CLI (a process each, ~5 s on a loaded machine); the rest in-process. */
const VIA_CLI = new Set([
  'read a file with read_text',
  'overwrite the published file with COPY',
  'attach the working database read-write and forge a run',
  'a second statement after a SELECT',
  'PRAGMA',
  'INSTALL an extension',
  'turn external access back on',
]);
import { builtWarehouse, cli, sha256, type Warehouse } from '../support/security-helpers';

let wh: Warehouse;
let before: { published: string; work: string };
beforeAll(async () => {
  wh = await builtWarehouse('sec-query-');
  before = { published: sha256(wh.published), work: sha256(wh.work) };
});
afterAll(() => {
  // Every test in this file must leave both files as they were.
  expect({ published: sha256(wh.published), work: sha256(wh.work) }).toEqual(before);
});

describe('query escapes', () => {
  const attacks = (w: Warehouse): Array<[string, string, RegExp]> => [
    ['read a file with read_text', `SELECT * FROM read_text('/etc/passwd')`, /read_text\(\) is not allowed/],
    ['read a file with read_csv', `SELECT * FROM read_csv('/etc/passwd', header = false)`, /read_csv\(\) is not allowed/],
    ['read a file by name (replacement scan)', `SELECT * FROM '/etc/passwd'`, /looks like a file name/],
    ['a replacement scan with a query string', `SELECT * FROM 'x.csv?y'`, /looks like a file name/],
    ['DESCRIBE a replacement scan with a query string', `DESCRIBE 'x.parquet?y'`, /looks like a file name/],
    ['SUMMARIZE a name with a fragment', `SUMMARIZE 'data.json#z'`, /looks like a file name/],
    ['a bare name with a query string', `FROM 'users?x'`, /looks like a file name/],
    ['glob the file system', `SELECT * FROM glob('/etc/*')`, /glob\(\) is not allowed/],
    ['file reader hidden in a subquery', `SELECT count(*) FROM users WHERE user_id IN (SELECT content FROM read_text('/etc/hostname'))`, /read_text/],
    ['overwrite the published file with COPY', `COPY (SELECT 1) TO '${w.published}'`, /COPY statements are not allowed/],
    [
      'attach the working database read-write and forge a run',
      `ATTACH '${w.work}' AS w (READ_WRITE); INSERT INTO w.runs (run_id, tenant_id, status) VALUES ('forged', 't', 'succeeded')`,
      /ATTACH statements are not allowed/,
    ],
    ['a second statement after a SELECT', `SELECT 1; COPY (SELECT 1) TO '${w.published}'`, /only one .* statement is allowed|exactly one statement/],
    ['two SELECTs', `SELECT 1; SELECT 2`, /exactly one statement \(found 2\)/],
    ['PRAGMA', `PRAGMA database_list`, /PRAGMA statements are not allowed/],
    ['INSTALL an extension', `INSTALL httpfs`, /INSTALL statements are not allowed/],
    ['LOAD an extension', `LOAD httpfs`, /LOAD statements are not allowed/],
    ['turn external access back on', `SET enable_external_access = true; SELECT * FROM read_text('/etc/passwd')`, /SET statements are not allowed/],
    ['EXPORT DATABASE', `EXPORT DATABASE '${path.join(w.dir, 'export')}'`, /EXPORT statements are not allowed/],
    ['CALL a table function', `CALL read_text('/etc/passwd')`, /CALL statements are not allowed/],
    ['run SQL from a string', `SELECT * FROM query('SELECT 1')`, /query\(\) is not allowed/],
    ['a warehouse macro that reads a relation named by its argument', `SELECT * FROM sku_prices_on('/etc/passwd')`, /sku_prices_on\(\) is not allowed/],
    ['the same macro named with its schema', `SELECT * FROM internal.sku_prices_on('/etc/passwd')`, /sku_prices_on\(\) is not allowed/],
    ['EXPLAIN ANALYZE of a file read', `EXPLAIN ANALYZE SELECT * FROM read_text('/etc/passwd')`, /read_text/],
    ['comment before the statement', `/* x */ -- y\n ATTACH '${w.work}'`, /ATTACH statements are not allowed/],
  ];

  it('the CLI refuses the named escapes with exit 2 and a message naming what is refused; nothing is read or written', async () => {
    const named = attacks(wh).filter(([what]) => VIA_CLI.has(what));
    expect(named).toHaveLength(VIA_CLI.size);
    for (const [what, sql, message] of named) {
      const r = await cli(['query', sql, '--db', wh.published, '--format', 'json'], { M365_DATA_DIR: wh.dir });
      expect({ what, code: r.code }).toEqual({ what, code: 2 });
      expect(r.stderr, what).toMatch(message);
      expect(r.stdout, what).not.toContain('root:');
    }
  });

  it('every other escape is refused by the same check before anything runs', async () => {
    for (const [what, sql, message] of attacks(wh).filter(([w]) => !VIA_CLI.has(w))) {
      const err = await runReadOnlyQuery(wh.published, sql).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(QueryRefusedError);
      expect((err as Error).message, what).toMatch(message);
    }
    expect(existsSync(path.join(wh.dir, 'export'))).toBe(false);
  });

  it('still answers the read-only kinds: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN and catalog functions', async () => {
    const ok = [
      `SELECT count(*) AS n FROM users`,
      `WITH u AS (SELECT * FROM users) SELECT count(*)::INT AS n FROM u`,
      `FROM runs SELECT run_id`,
      `DESCRIBE users`,
      `SHOW TABLES`,
      `SUMMARIZE users`,
      `EXPLAIN SELECT * FROM users`,
      `SELECT table_name FROM duckdb_tables() ORDER BY 1 LIMIT 3`,
      `SELECT * FROM range(3)`,
      // The views over the price rule pass their own relation to it (helpers too, named with their schema); the
      // warehouse's as-of macros stay callable.
      `SELECT count(*) FROM sku_daily`,
      `SELECT count(*) FROM internal.latest_sku_daily`,
      `SELECT count(*) FROM users_as_of(DATE '2100-01-01')`,
    ];
    for (const sql of ok) expect((await runReadOnlyQuery(wh.published, sql)).rows.length, sql).toBeGreaterThan(0);
    const r = await cli(['query', ok[1]!, '--db', wh.published, '--format', 'json'], { M365_DATA_DIR: wh.dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual([{ n: 6 }]);
  });

  it('candidates cannot be turned into another statement through --tenant', async () => {
    const r = await cli(['candidates', '--tenant', `x' ; COPY (SELECT 1) TO '${wh.published}'; --`, '--db', wh.published, '--format', 'json'], { M365_DATA_DIR: wh.dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('defence in depth: the session itself', () => {
  it('a read-only session has external access off and its configuration locked, even without the parse check', async () => {
    const ro = await openReadOnly(wh.published);
    try {
      const tries = [
        [`SELECT * FROM read_text('/etc/passwd')`, /file system operations are disabled/],
        [`COPY (SELECT 1) TO '${wh.published}'`, /file system operations are disabled|read-only/i],
        [`ATTACH '${wh.work}' AS w`, /file system operations are disabled/],
        [`SET enable_external_access = true`, /configuration has been locked/],
        [`SET lock_configuration = false`, /configuration has been locked/],
      ] as const;
      for (const [sql, message] of tries) await expect(ro.query(sql), sql).rejects.toThrow(message);
    } finally {
      ro.close();
    }
  });

  it('the checker parses with DuckDB: statements hidden in strings or comments are not confused for real ones', async () => {
    const ro = await openReadOnly(wh.published);
    try {
      await expect(checkReadOnlySql(ro.connection, `SELECT 'ATTACH x; COPY y' AS s -- ; DROP TABLE users`)).resolves.toBeUndefined();
      await expect(checkReadOnlySql(ro.connection, `SELECT 1;;`)).resolves.toBeUndefined();
      const err = await checkReadOnlySql(ro.connection, `SELEC 1`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryRefusedError);
      expect((err as Error).message).toMatch(/SELEC statements are not allowed/);
      await expect(checkReadOnlySql(ro.connection, `SELECT FROM WHERE`)).rejects.toThrow(/does not parse/);
    } finally {
      ro.close();
    }
    expect((await runReadOnlyQuery(wh.published, `SELECT count(*)::INT AS n FROM users`)).rows).toEqual([{ n: 6 }]);
  });
});
