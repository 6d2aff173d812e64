// The staging directory of one run: its manifest (optional) and the identity of the snapshot it holds.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { futureDateProblem, retentionCutoff, todayUtc } from '../../shared/snapshot-date';
import { STAGING_LAYOUT, stagingManifestSchema, type StagingManifest } from '../../shared/staging-contract';
import { StagingError } from '../errors';
import { DEFAULT_HISTORY_DAYS } from '../types';
import { assertNotSymlink, assertStagedFilesSafe, insideStaging } from './guard';

export type { StagingManifest } from '../../shared/staging-contract';

export function readManifest(stagingDir: string): StagingManifest | null {
  const file = path.join(stagingDir, STAGING_LAYOUT.manifest);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StagingError(`Staging manifest ${file} is not valid JSON.`, { cause: err });
  }
  const parsed = stagingManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StagingError(`Staging manifest ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export { todayUtc };

export interface StagingIdentity {
  tenantId: string;
  runId: string;
  snapshotDate: string;
  startedAt: string;
  manifest: StagingManifest | null;
}

/** Tenant, run and snapshot date: from the manifest when present (options must agree), else from the options. */
export function resolveIdentity(stagingDir: string, opts: { tenantId?: string; snapshotDate?: string; runId?: string; historyDays?: number }): StagingIdentity {
  if (!existsSync(stagingDir) || !statSync(stagingDir).isDirectory()) {
    throw new StagingError(`Staging directory not found: ${stagingDir}`);
  }
  assertStagedFilesSafe(stagingDir);
  const manifest = readManifest(stagingDir);
  if (manifest && opts.tenantId && opts.tenantId !== manifest.tenantId) {
    throw new StagingError(`Tenant ${opts.tenantId} given, but the staging manifest says ${manifest.tenantId}.`);
  }
  if (manifest && opts.snapshotDate && opts.snapshotDate !== manifest.snapshotDate) {
    throw new StagingError(`Date ${opts.snapshotDate} given, but the staging manifest says ${manifest.snapshotDate}: drop --date or fix the manifest.`);
  }
  const tenantId = manifest?.tenantId ?? opts.tenantId;
  if (!tenantId) throw new StagingError(`No manifest.json in ${stagingDir}: give the tenant id (--tenant).`);
  const snapshotDate = manifest?.snapshotDate ?? opts.snapshotDate ?? todayUtc();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(snapshotDate)) throw new StagingError(`Snapshot date must be YYYY-MM-DD, got ${snapshotDate}.`);
  // Checked here, in the process that loads, whatever the caller (a workflow's input can be written by anyone who
  // can start one): a future day, or one retention would prune at once, is refused before anything is written.
  const future = futureDateProblem(snapshotDate, manifest ? `The staging manifest's snapshot date` : 'The snapshot date');
  if (future) throw new StagingError(future);
  const historyDays = opts.historyDays ?? DEFAULT_HISTORY_DAYS;
  const cutoff = retentionCutoff(historyDays);
  if (cutoff && snapshotDate <= cutoff) {
    throw new StagingError(
      `Snapshot date ${snapshotDate} is older than the history kept (M365_HISTORY_DAYS=${historyDays} days back from today, ${todayUtc()}): ` +
        'it would be pruned as soon as it was loaded. Raise M365_HISTORY_DAYS (0 keeps everything) to load it.',
    );
  }
  const runId = opts.runId ?? manifest?.runId ?? `import-${tenantId}-${snapshotDate}`;
  // Every listed path must stay inside the staging directory and not be a symlink; whether each file is there with
  // its recorded size and checksum is checked by the load (verify.ts), which names every bad file at once.
  for (const f of manifest?.files ?? []) assertNotSymlink(stagingDir, insideStaging(stagingDir, f.path));
  return { tenantId, runId, snapshotDate, startedAt: manifest?.startedAt ?? new Date().toISOString(), manifest };
}
