// A staged row DuckDB or csv-parse cannot read becomes MalformedRowError (non-retryable),
// naming file, line and column, never the row's values, in its message, its cause or its stack.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, MalformedRowError, validateStagedReports } from '../../src/warehouse';
import { NON_RETRYABLE } from '../../src/shared/errors';
import { tempDir, writeStaging } from '../support/staging-fixtures';

const VICTIM = 'victim.person@contoso.com';
const root = tempDir('sec-rows-');
const work = path.join(root, 'work', 'm365.duckdb');
afterAll(() => closeWarehouse());

/** Everything an error would carry into Temporal: message, stack and the whole cause chain. */
function serialized(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.name, e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

const variants: Array<[string, (lines: string[]) => void, RegExp]> = [
  ['a value of the wrong type', (l) => (l[3] = l[3]!.replace('2024-05-08', VICTIM)), /line 4, column 1 \(Report Refresh Date\): a value that is not a valid DATE/],
  ['a row with extra cells', (l) => (l[3] = `${l[3]},${VICTIM},x`), /line 4: expected 24 columns, found 25/],
  ['a stray quote', (l) => (l[3] = l[3]!.replace('Jane (Fabrikam)', `Jane "${VICTIM}`)), /malformed at line \d+, column \d+: invalid (opening|closing) quote/],
];

describe('malformed staged rows', () => {
  it('fail once with file, line and column, and no value of the row anywhere in the error', async () => {
    expect(NON_RETRYABLE).toContain('MalformedRowError');
    for (const [what, mutate, message] of variants) {
      const dir = writeStaging(path.join(root, what.replace(/\W/g, '_')));
      const file = path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv');
      const lines = readFileSync(file, 'utf8').split('\r\n');
      mutate(lines);
      writeFileSync(file, lines.join('\r\n'));
      // The header check (csv-parse, first rows) or the load (DuckDB) catches it, whichever reads it first.
      const err = await validateStagedReports(dir)
        .then(() => loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir }))
        .catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(MalformedRowError);
      expect((err as Error).message, what).toContain(file);
      expect((err as Error).message, what).toMatch(message);
      expect(serialized(err), what).not.toContain('victim');
      expect(serialized(err), what).not.toContain('Fabrikam');
    }
  });

  it('a broken user page names the page file and record, not its content', async () => {
    const dir = writeStaging(path.join(root, 'json'));
    const page = path.join(dir, 'users', 'page-0001.json');
    writeFileSync(page, readFileSync(page, 'utf8').replace('"Smith, Alice"', '"Smith, Alice'));
    const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedRowError);
    expect((err as Error).message).toMatch(/page-0001\.json is malformed: malformed JSON at byte \d+ in record \d+/);
    expect(serialized(err)).not.toMatch(/Smith|alice/i);
  });
});
