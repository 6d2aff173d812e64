// The staging contract: the manifest the extract writes (writeManifest) is read back by the warehouse through the
// same schema, and the load finds the staged files where the layout puts them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFileActivities } from '../../../src/activities/run-files';
import { sha256OfFiles } from '../../../src/activities/staging-files';
import { reportFile, runStagingDir, skusFile, userPageFile } from '../../../src/activities/staging-layout';
import { REPORT_NAMES, STAGING_LAYOUT, stagingManifestSchema, type StagedFile } from '../../../src/shared/staging-contract';
import { closeWarehouse, loadStagingDir } from '../../../src/warehouse/index';
import { readManifest, resolveIdentity } from '../../../src/warehouse/staging/manifest';
import { verifyStagedFiles } from '../../../src/warehouse/staging/verify';
import { TENANT, tempDir, writeStaging } from '../../support/staging-fixtures';

afterEach(async () => {
  await closeWarehouse();
});

const RUN = 'run-contract-1';

/** Copies a hand-made staging directory into the extract's layout and describes each file as the extract would. */
async function stageLikeTheExtract(dataDir: string): Promise<{ runDir: string; users: StagedFile; skus: StagedFile; reports: Array<StagedFile & { name: string }> }> {
  const src = writeStaging(path.join(tempDir(), 'src'), { manifest: false });
  const runDir = runStagingDir(dataDir, TENANT, RUN);
  const copy = (from: string, to: string) => {
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, readFileSync(path.join(src, from)));
    return to;
  };
  const page = copy(`${STAGING_LAYOUT.usersDir}/page-0001.json`, userPageFile(runDir, 1));
  const skus = copy(STAGING_LAYOUT.skus, skusFile(runDir));
  const staged = async (p: string, files: string[], count: number): Promise<StagedFile> => ({ path: p, count, ...(await sha256OfFiles(files)) });
  const reports = await Promise.all(
    REPORT_NAMES.map(async (name) => {
      const f = copy(`reports/${name}.csv`, reportFile(runDir, name));
      return { name, ...(await staged(f, [f], 1)) };
    }),
  );
  return { runDir, users: await staged(path.dirname(page), [page], 6), skus: await staged(skus, [skus], 2), reports };
}

describe('staging contract', () => {
  it('writeManifest writes what readManifest reads, with relative paths, sizes and hashes; the load accepts it', async () => {
    const dataDir = tempDir();
    const s = await stageLikeTheExtract(dataDir);
    const activities = createRunFileActivities({ dataDir });
    const runDir = await activities.writeManifest({
      tenantId: TENANT,
      runId: RUN,
      snapshotDate: '2024-05-10',
      startedAt: '2024-05-10T03:00:00.000Z',
      users: s.users,
      skus: s.skus,
      reports: s.reports,
      reportSettings: { displayConcealedNames: false },
    });
    expect(runDir).toBe(s.runDir);

    const m = readManifest(runDir)!;
    expect(m).toEqual(stagingManifestSchema.parse(JSON.parse(readFileSync(path.join(runDir, STAGING_LAYOUT.manifest), 'utf8'))));
    expect(m.files.map((f) => [f.kind, f.name, f.path])).toEqual([
      ['users', 'users', 'users'],
      ['skus', 'subscribedSkus', 'subscribedSkus.json'],
      ['report', 'getOffice365ActiveUserDetail', 'reports/getOffice365ActiveUserDetail.csv'],
      ['report', 'getEmailActivityUserDetail', 'reports/getEmailActivityUserDetail.csv'],
    ]);
    expect(m.files[1]).toMatchObject({ count: 2, bytes: s.skus.bytes, sha256: s.skus.sha256 });
    expect(m.reportSettings).toEqual({ displayConcealedNames: false });

    expect(resolveIdentity(runDir, { historyDays: 0 })).toMatchObject({ tenantId: TENANT, runId: RUN, snapshotDate: '2024-05-10' });
    const r = await loadStagingDir({ historyDays: 0, workDbPath: path.join(dataDir, 'work.duckdb'), stagingDir: runDir });
    expect(r).toMatchObject({ tenantId: TENANT, runId: RUN, snapshotDate: '2024-05-10', status: 'succeeded' });
  });

  it('a manifest the reader would refuse is never written', async () => {
    const dataDir = tempDir();
    const s = await stageLikeTheExtract(dataDir);
    const activities = createRunFileActivities({ dataDir });
    await expect(
      activities.writeManifest({
        tenantId: TENANT,
        runId: RUN,
        snapshotDate: '10/05/2024',
        startedAt: '2024-05-10T03:00:00.000Z',
        users: s.users,
        skus: s.skus,
        reports: s.reports,
        reportSettings: null,
      }),
    ).rejects.toThrow(/snapshotDate/);
    expect(readManifest(s.runDir)).toBeNull();
  });

  it('a staged file cut short after the manifest was written is refused by size', async () => {
    const dataDir = tempDir();
    const s = await stageLikeTheExtract(dataDir);
    await createRunFileActivities({ dataDir }).writeManifest({
      tenantId: TENANT,
      runId: RUN,
      snapshotDate: '2024-05-10',
      startedAt: '2024-05-10T03:00:00.000Z',
      users: s.users,
      skus: s.skus,
      reports: s.reports,
      reportSettings: null,
    });
    writeFileSync(skusFile(s.runDir), '{}');
    // The load verifies the listed files (src/warehouse/staging/verify.ts) and names each bad one.
    await expect(verifyStagedFiles(s.runDir, readManifest(s.runDir)!.files)).rejects.toThrow(/subscribedSkus\.json: 2 bytes, the manifest says \d+/);
  });
});
