// Output of any size, values scripts can trust, and terminal/spreadsheet safety: against a real in-memory DuckDB
// and, for the end-to-end cases, the real CLI on a real database file.
/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingOptions } from '../../src/cli/output/listing';
import { renderQuery, type RenderOptions } from '../../src/cli/output/render';
import { csvCell, safeInline } from '../../src/cli/output/sanitize';
import { StringSink } from '../../src/cli/output/sink';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
const BIG = 300_000;
const BIG_SQL = `SELECT range AS n, 'user' || range || '@contoso.com' AS upn, DATE '2024-01-01' + (range % 365)::INTEGER AS day FROM range(${BIG})`;

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

async function render(sql: string, opts: RenderOptions): Promise<{ text: string; total: number; shown: number }> {
  const sink = new StringSink();
  const summary = await renderQuery(conn, sql, opts, sink);
  return { text: await sink.text(), ...summary };
}

describe('output of any size', () => {
  it(`prints a ${BIG.toLocaleString('en-US')}-row table in full without overflowing the stack`, async () => {
    const { text, total, shown } = await render(BIG_SQL, { format: 'table' });
    expect(total).toBe(BIG);
    expect(shown).toBe(BIG);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(BIG + 3); // header, rule, rows, footer
    expect(lines.at(-2)).toMatch(/^299999 │ user299999@contoso\.com │ 2024-/);
    expect(lines.at(-1)).toBe('(300,000 rows)');
  }, 60_000);

  it('a table on a terminal shows the first 100 rows and the total; --limit and --all change that', async () => {
    const tty = listingOptions({ format: 'table' }, true);
    expect(tty.limit).toBe(100);
    const { text, total, shown } = await render(BIG_SQL, tty);
    expect([total, shown]).toEqual([BIG, 100]);
    expect(text.trimEnd().split('\n')).toHaveLength(103);
    expect(text).toContain('(300,000 rows; the first 100 shown: --limit N or --all for more)');
    expect(listingOptions({ format: 'table' }, false).limit).toBeUndefined();
    expect(listingOptions({ format: 'table', all: true }, true).limit).toBeUndefined();
    expect(listingOptions({ format: 'csv', limit: '7' }, false).limit).toBe(7);
    expect(() => listingOptions({ format: 'table', limit: 'x' }, true)).toThrow(/--limit must be a whole number/);
    expect(() => listingOptions({ format: 'table', limit: '3', all: true }, true)).toThrow(/exclude each other/);
  }, 60_000);

  it('streams CSV and JSON row by row, every row present', async () => {
    const csv = await render(BIG_SQL, { format: 'csv' });
    const lines = csv.text.trimEnd().split('\n');
    expect(lines).toHaveLength(BIG + 1);
    expect(lines[0]).toBe('n,upn,day');
    expect(lines[1]).toBe('0,user0@contoso.com,2024-01-01');
    const json = await render(BIG_SQL, { format: 'json' });
    const parsed = JSON.parse(json.text) as { n: number; upn: string; day: string }[];
    expect(parsed).toHaveLength(BIG);
    expect(parsed[BIG - 1]).toEqual({ n: BIG - 1, upn: `user${BIG - 1}@contoso.com`, day: '2024-11-30' });
    const limited = await render(BIG_SQL, { format: 'csv', limit: 5 });
    expect(limited.text.trimEnd().split('\n')).toHaveLength(6);
  }, 60_000);
});

describe('JSON that scripts can trust', () => {
  it('numbers are numbers (strings beyond 2^53), dates and timestamps ISO-8601, NULL null, nested values converted', async () => {
    const { text } = await render(
      `SELECT count(*) AS n, 42::INTEGER AS i, 9007199254740993::BIGINT AS big, 170141183460469231731687303715884105727::HUGEINT AS huge,
              -12::HUGEINT AS small_huge, 1.50::DECIMAL(10,2) AS price, 0.25::DOUBLE AS ratio, true AS flag, NULL AS nothing,
              DATE '2024-05-10' AS d, TIMESTAMPTZ '2019-01-10 08:00:00.123456+00' AS tz, TIMESTAMP '2024-02-29 23:59:59' AS ts,
              [1::BIGINT, 2::BIGINT] AS list, {'a': 3::BIGINT, 'b': DATE '2024-01-02'} AS struct, 'text' AS s
       FROM range(8)`,
      { format: 'json' },
    );
    expect(JSON.parse(text)).toEqual([
      {
        n: 8,
        i: 42,
        big: '9007199254740993',
        huge: '170141183460469231731687303715884105727',
        small_huge: -12,
        price: 1.5,
        ratio: 0.25,
        flag: true,
        nothing: null,
        d: '2024-05-10',
        tz: '2019-01-10T08:00:00.123456Z',
        ts: '2024-02-29T23:59:59',
        list: [1, 2],
        struct: { a: 3, b: '2024-01-02' },
        s: 'text',
      },
    ]);
    // The raw text has the count as a number, as `duckdb -json` prints it.
    expect(text).toContain('"n":8');
  });

  it("CSV and table keep DuckDB's own text for the same values", async () => {
    const { text } = await render(`SELECT count(*) AS n, DATE '2024-05-10' AS d, NULL AS x FROM range(8)`, { format: 'csv' });
    expect(text).toBe('n,d,x\n8,2024-05-10,\n');
    const table = await render(`SELECT count(*) AS n, NULL AS x FROM range(8)`, { format: 'table' });
    expect(table.text).toBe('n │ x\n──┼─────\n8 │ NULL\n(1 row)\n');
  });
});

describe('terminal and spreadsheet safety', () => {
  const EVIL = `SELECT 'evil\u001b]0;owned\u0007\u001b[2J' || chr(8238) || 'txt.exe' AS name, '=HYPERLINK("http://x")' AS f, '+1' AS p,
    '-2+3' AS m, '@SUM(A1)' AS a, chr(9) || 'tab' AS t, -5 AS neg, 'line1' || chr(10) || 'line2' AS ml`;

  it('strips control characters and bidi overrides from table cells', async () => {
    const { text } = await render(EVIL, { format: 'table' });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('evil]0;owned[2Jtxt.exe');
    expect(text).toContain('line1 line2');
    expect(safeInline('a\u009b31mb\u2066c')).toBe('a31mbc');
  });

  it('CSV neutralises cells starting with = + - @ tab or CR in text columns, not numbers', async () => {
    const { text } = await render(EVIL, { format: 'csv' });
    const [, row] = text.split('\n', 2);
    expect(row).toBe(`evil]0;owned[2Jtxt.exe,"'=HYPERLINK(""http://x"")",'+1,'-2+3,'@SUM(A1),'\ttab,-5,"line1`);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202e]/);
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvCell('-5', false)).toBe('-5');
    // Formulas behind blanks, a line break or fullwidth signs are quoted too; plain text is left alone.
    expect(csvCell('  =1+1')).toBe(`'  =1+1`);
    expect(csvCell('\n=1+1')).toBe(`"'\n=1+1"`);
    expect(csvCell('\uFF1D1+1')).toBe(`'\uFF1D1+1`);
    expect(csvCell('\uFF20SUM(A1)')).toBe(`'\uFF20SUM(A1)`);
    expect(csvCell('a=1')).toBe('a=1');
  });

  it('JSON escapes C1 controls and bidi overrides but keeps the value', async () => {
    const { text } = await render(`SELECT 'a' || chr(155) || 'b' || chr(8238) AS v`, { format: 'json' });
    expect(text).not.toMatch(/[\u009b\u202e]/);
    expect(JSON.parse(text)).toEqual([{ v: 'a\u009bb\u202e' }]);
  });
});

describe('the CLI end to end', () => {
  let db: string;
  beforeAll(async () => {
    db = path.join(mkdtempSync(path.join(tmpdir(), 'out-')), 'big.duckdb');
    const file = await DuckDBInstance.create(db);
    const c = await file.connect();
    await c.run(`CREATE TABLE big AS ${BIG_SQL}`);
    c.closeSync();
    file.closeSync();
  });

  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'query', '--db', db, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 120_000 });

  it(`query prints ${BIG.toLocaleString('en-US')} rows as a table through a pipe, and JSON counts as numbers`, () => {
    const table = cli('SELECT * FROM big', '--format', 'table');
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(BIG + 3);
    const json = cli('SELECT count(*) AS n FROM big', '--format', 'json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ n: BIG }]);
    const limited = cli('SELECT * FROM big', '--limit', '3');
    expect(limited.stdout).toContain('(300,000 rows; the first 3 shown');
  }, 180_000);
});
