// Staged files are verified against the manifest (size and SHA-256) before anything reaches the history.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir, StagingError, withWriter } from '../../../src/warehouse/index';
import { TENANT, tempDir, writeStaging } from '../../support/staging-fixtures';

afterEach(async () => {
  await closeWarehouse();
});

const sha = (files: string[]) => {
  const h = createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    const b = readFileSync(f);
    h.update(b);
    bytes += b.length;
  }
  return { sha256: h.digest('hex'), bytes };
};

/** A staging directory whose manifest lists every file with its size and checksum, as the extract writes it. */
function stagedWithChecksums(root: string): string {
  const dir = writeStaging(path.join(root, 'staging', TENANT));
  const pages = readdirSync(path.join(dir, 'users'))
    .sort()
    .map((f) => path.join(dir, 'users', f));
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  manifest.files = [
    { kind: 'users', name: 'users', path: 'users', ...sha(pages) },
    { kind: 'skus', name: 'subscribedSkus', path: 'subscribedSkus.json', ...sha([path.join(dir, 'subscribedSkus.json')]) },
    ...['getOffice365ActiveUserDetail', 'getEmailActivityUserDetail'].map((r) => ({
      kind: 'report',
      name: r,
      path: `reports/${r}.csv`,
      ...sha([path.join(dir, 'reports', `${r}.csv`)]),
    })),
  ];
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('staged files against the manifest', () => {
  it('loads when every size and checksum agrees; refuses a changed file, naming it, and loads nothing', async () => {
    const root = tempDir();
    const work = path.join(root, 'work', 'm365.duckdb');
    const dir = stagedWithChecksums(root);
    expect((await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir })).counts.users).toBe(6);

    // Same size, one character different: only the checksum can tell.
    const email = path.join(dir, 'reports', 'getEmailActivityUserDetail.csv');
    writeFileSync(email, readFileSync(email, 'utf8').replace('Bob Jones', 'Bob Jonas'));
    const page = path.join(dir, 'users', 'page-0001.json');
    writeFileSync(page, readFileSync(page, 'utf8').replace('"Sales"', '"Sale"'));
    const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir, snapshotDate: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagingError);
    const message = (err as Error).message;
    expect(message).toMatch(/reports\/getEmailActivityUserDetail\.csv: SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
    expect(message).toMatch(/users: \d+ bytes, the manifest says \d+/);
    expect(message).not.toContain('getOffice365ActiveUserDetail');
    expect(message).toContain('M365_DATA_DIR');
    // The first load's day is untouched: one generation per table, nothing superseded.
    const rows = await withWriter(work, async (c) =>
      (await c.runAndReadAll(`SELECT count(*) FILTER (WHERE superseded_at IS NOT NULL)::INT FROM history_partitions`)).getRowsJson(),
    );
    expect(rows).toEqual([[0]]);
  });

  it('names every missing file at once', async () => {
    const root = tempDir();
    const dir = stagedWithChecksums(root);
    rmSync(path.join(dir, 'subscribedSkus.json'));
    rmSync(path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv'));
    const { stagedFileProblems } = await import('../../../src/warehouse/staging/verify');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { name: string; path: string }[] };
    expect(await stagedFileProblems(dir, manifest.files)).toEqual(['subscribedSkus.json: missing', 'reports/getOffice365ActiveUserDetail.csv: missing']);
  });
});
