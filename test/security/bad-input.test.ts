// Impossible dates are usage errors, a manifest cannot point a load outside its staging
// directory, staged files may not be symlinks, and --date may not contradict the manifest.
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/cli/date-option';
import { closeWarehouse, loadStagingDir, StagingError } from '../../src/warehouse';
import { TENANT, tempDir, writeStaging } from '../support/staging-fixtures';
import { cli } from '../support/security-helpers';

const root = tempDir('sec-input-');
const work = path.join(root, 'work', 'm365.duckdb');
afterAll(() => closeWarehouse());

const withManifestFiles = (dir: string, files: unknown[]): void => {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...m, files }));
};

describe('dates', () => {
  it('accepts real calendar days only', () => {
    for (const d of ['2024-02-29', '2023-12-31', '2026-11-27']) expect(isCalendarDate(d), d).toBe(true);
    for (const d of ['2024-02-31', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '24-01-01', '2024-1-1', '2024-01-01T00:00']) expect(isCalendarDate(d), d).toBe(false);
  });

  it('--date 2024-02-31 is a usage error (exit 2) for import and run, before any configuration or server is needed', async () => {
    const staging = writeStaging(path.join(root, 'cli-date'), { manifest: false });
    const imp = await cli(['import', '--from', staging, '--tenant', TENANT, '--date', '2024-02-31'], { M365_DATA_DIR: path.join(root, 'cli-data') });
    expect(imp.code).toBe(2);
    expect(imp.stderr).toMatch(/--date must be a real date .*2024-02-31/);
    const run = await cli(['run', '--date', '2024-02-31'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--date must be a real date/);
  });

  it('--date that contradicts the manifest is an error (exit 2), not silently ignored', async () => {
    const staging = writeStaging(path.join(root, 'cli-mismatch'), { snapshotDate: '2024-05-10' });
    const r = await cli(['import', '--from', staging, '--date', '2024-05-11', '--db', path.join(root, 'mm.duckdb'), '--work-db', path.join(root, 'mm-work.duckdb')], {
      M365_DATA_DIR: path.join(root, 'cli-data'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Date 2024-05-11 given, but the staging manifest says 2024-05-10/);
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging, snapshotDate: '2024-05-11' })).rejects.toThrow(/manifest says 2024-05-10/);
    // The same date is fine.
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging, snapshotDate: '2024-05-10' })).resolves.toMatchObject({ status: 'succeeded' });
  });
});

describe('staging paths', () => {
  it('refuses manifest paths that leave the staging directory', async () => {
    for (const p of ['../../../../etc/passwd', '/etc/passwd', 'reports/../../elsewhere.csv', '.']) {
      const dir = writeStaging(path.join(root, `escape-${p.replace(/\W/g, '_')}`));
      withManifestFiles(dir, [{ kind: 'report', name: 'getOffice365ActiveUserDetail', path: p }]);
      const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir }).catch((e: unknown) => e);
      expect(err, p).toBeInstanceOf(StagingError);
      expect((err as Error).message, p).toMatch(/leaves the staging directory/);
    }
  });

  it('refuses a symlinked staged report, user page or directory, with or without a manifest', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(outside, { recursive: true });
    const cases: Array<[string, (dir: string) => void]> = [
      [
        'report file',
        (dir) => {
          const f = path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv');
          copyFileSync(f, path.join(outside, 'a.csv'));
          rmSync(f);
          symlinkSync(path.join(outside, 'a.csv'), f);
        },
      ],
      [
        'user page',
        (dir) => {
          const f = path.join(dir, 'users', 'page-0001.json');
          copyFileSync(f, path.join(outside, 'p.json'));
          rmSync(f);
          symlinkSync(path.join(outside, 'p.json'), f);
        },
      ],
      [
        'reports directory',
        (dir) => {
          const real = path.join(outside, `reports-${Math.random()}`);
          mkdirSync(real);
          for (const f of ['getOffice365ActiveUserDetail.csv', 'getEmailActivityUserDetail.csv']) copyFileSync(path.join(dir, 'reports', f), path.join(real, f));
          rmSync(path.join(dir, 'reports'), { recursive: true });
          symlinkSync(real, path.join(dir, 'reports'));
        },
      ],
    ];
    for (const manifest of [true, false]) {
      for (const [what, mutate] of cases) {
        const dir = writeStaging(path.join(root, `link-${manifest}-${what.replace(/\W/g, '_')}`), { manifest });
        mutate(dir);
        const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir, tenantId: TENANT }).catch((e: unknown) => e);
        expect(err, what).toBeInstanceOf(StagingError);
        expect((err as Error).message, what).toMatch(/is a symbolic link: refused/);
      }
    }
  });
});
