// Are the staged files the ones the extract wrote? With Graph workers on several hosts the writer reads them from
// shared storage: the manifest records each file's size and SHA-256 (for the users directory, over its page files
// in name order), and the load refuses a directory where any file is missing or differs, naming every such file.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { USER_PAGE_RE } from '../../shared/staging-contract';
import { StagingError } from '../errors';

export interface ManifestFileEntry {
  name: string;
  path: string;
  bytes?: number;
  sha256?: string;
}

/** The files a manifest entry stands for: the page files of a directory (in name order), or the file itself. */
function filesOf(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .filter((f) => USER_PAGE_RE.test(f))
    .sort()
    .map((f) => path.join(p, f));
}

/** SHA-256 over several files in order, streamed (never a whole file in memory); the extract records the same. */
export async function sha256OfFiles(files: string[]): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** One line per problem; empty when every listed file is present with its recorded size and checksum. */
export async function stagedFileProblems(stagingDir: string, entries: ManifestFileEntry[]): Promise<string[]> {
  const problems: string[] = [];
  for (const e of entries) {
    const p = path.join(stagingDir, e.path);
    if (!existsSync(p)) {
      problems.push(`${e.path}: missing`);
      continue;
    }
    const files = filesOf(p);
    const size = files.reduce((sum, f) => sum + statSync(f).size, 0);
    if (e.bytes !== undefined && size !== e.bytes) {
      problems.push(`${e.path}: ${size} bytes, the manifest says ${e.bytes} (cut short or still being copied)`);
      continue;
    }
    if (e.sha256 !== undefined) {
      const actual = await sha256OfFiles(files);
      if (actual.sha256 !== e.sha256.toLowerCase()) problems.push(`${e.path}: SHA-256 ${actual.sha256}, the manifest says ${e.sha256}`);
    }
  }
  return problems;
}

/** Throws StagingError (non-retryable) listing every missing or mismatched file. */
export async function verifyStagedFiles(stagingDir: string, entries: ManifestFileEntry[]): Promise<void> {
  const problems = await stagedFileProblems(stagingDir, entries);
  if (problems.length === 0) return;
  throw new StagingError(
    `The staged files in ${stagingDir} are not the ones the extract recorded in manifest.json:\n- ${problems.join('\n- ')}\n` +
      'If Graph workers and the warehouse writer run on different hosts, M365_DATA_DIR must be the same shared volume for all of them ' +
      '(see docs/operations.md, "Deployment"); otherwise re-run the day with --force so the extract stages it again.',
  );
}
