// Run-level file activities on the main queue: the manifest, the anonymization verdict, staging retention.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sampleAnonymization, validateStagedReports, type AnonymizationVerdict } from '../warehouse';
import { stagingManifestSchema, type ManifestFile, type ReportSettings, type SignInOutcome, type StagedFile, type StagingManifest } from '../shared/staging-contract';
import { futureDateProblem } from '../shared/snapshot-date';
import { StagingError } from '../warehouse/index';
import { writeFileAtomic } from './staging-files';
import { manifestFile, runStagingDir, tenantStagingDir } from './staging-layout';

export interface ManifestInput {
  tenantId: string;
  runId: string;
  snapshotDate: string;
  startedAt: string;
  users: StagedFile;
  skus: StagedFile;
  reports: Array<StagedFile & { name: string }>;
  reportSettings: ReportSettings | null;
  /** GET /directory/subscriptions, when the app could read it. */
  subscriptions?: StagedFile | null;
  /** What became of signInActivity in the users extract. */
  signIn?: SignInOutcome | null;
}

export function createRunFileActivities(deps: { dataDir: string }) {
  return {
    /** Lists what the run staged; the load step and `import` read it. Returns the run directory. */
    async writeManifest(input: ManifestInput): Promise<string> {
      // The workflow input that named the day can be written by anyone who can start a workflow: checked here too.
      const future = futureDateProblem(input.snapshotDate, "The run's snapshot date");
      if (future) throw new StagingError(future);
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      const entry = (kind: ManifestFile['kind'], name: string, f: StagedFile): ManifestFile => ({ kind, name, ...f, path: path.relative(runDir, f.path) });
      // Parsed before writing: what lands on disk is what the warehouse's reader (the same schema) accepts.
      const manifest: StagingManifest = stagingManifestSchema.parse({
        tenantId: input.tenantId,
        runId: input.runId,
        snapshotDate: input.snapshotDate,
        startedAt: input.startedAt,
        files: [
          entry('users', 'users', input.users),
          entry('skus', 'subscribedSkus', input.skus),
          ...input.reports.map(({ name, ...f }) => entry('report', name, f)),
          ...(input.subscriptions ? [entry('subscriptions', 'subscriptions', input.subscriptions)] : []),
        ],
        reportSettings: input.reportSettings,
        signInActivity: input.signIn ?? null,
      } satisfies StagingManifest);
      await writeFileAtomic(manifestFile(runDir), `${JSON.stringify(manifest, null, 2)}\n`);
      return runDir;
    },

    /**
     * Validates the staged report headers (a malformed report fails here, before the load) and gives a first
     * verdict from the reports' first rows; the load recomputes it over every row.
     */
    async detect(input: { stagingDir: string }): Promise<AnonymizationVerdict> {
      await validateStagedReports(input.stagingDir);
      return sampleAnonymization(input.stagingDir);
    },

    /** Keeps the newest `keep` run directories of a tenant, deletes older ones. Returns how many it deleted. */
    async cleanupStaging(input: { tenantId: string; keep: number }): Promise<number> {
      const dir = tenantStagingDir(deps.dataDir, input.tenantId);
      const entries = await readdir(dir).catch(() => [] as string[]);
      const dated = await Promise.all(entries.map(async (e) => ({ e, mtime: (await stat(path.join(dir, e))).mtimeMs })));
      const old = dated.sort((a, b) => b.mtime - a.mtime).slice(input.keep);
      for (const { e } of old) await rm(path.join(dir, e), { recursive: true, force: true });
      return old.length;
    },
  };
}
export type RunFileActivities = ReturnType<typeof createRunFileActivities>;
