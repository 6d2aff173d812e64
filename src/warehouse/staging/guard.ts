// What a load may read from a staging directory: regular files inside it, never a symlink or a path that climbs
// out. A manifest is data a process with write access to staging could forge; a symlinked
// page or report would make the writer read any file the worker's user can (its key, another tenant's data).
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { STAGING_LAYOUT } from '../../shared/staging-contract';
import { StagingError } from '../errors';

/** The resolved path of `rel` inside `stagingDir`, or StagingError when it leaves the directory. */
export function insideStaging(stagingDir: string, rel: string): string {
  const root = path.resolve(stagingDir);
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (path.isAbsolute(rel) || back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw new StagingError(`Staging manifest path ${JSON.stringify(rel)} leaves the staging directory ${root}: refused. Re-run the extract.`);
  }
  return full;
}

/** Refuses a symlink at `p` or at any directory between the staging root and `p`. */
export function assertNotSymlink(stagingDir: string, p: string): void {
  const root = path.resolve(stagingDir);
  let cur = path.resolve(p);
  while (cur !== root && cur.startsWith(root + path.sep)) {
    if (existsSync(cur) || lstatExists(cur)) {
      if (lstatSync(cur).isSymbolicLink()) {
        throw new StagingError(`Staged file ${cur} is a symbolic link: refused (a load reads regular files inside the staging directory only).`);
      }
    }
    cur = path.dirname(cur);
  }
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Checks every file a load reads by its fixed name (users pages, SKUs, reports, manifest), manifest or not. */
export function assertStagedFilesSafe(stagingDir: string): void {
  const root = path.resolve(stagingDir);
  const { manifest, skus, usersDir, reportsDir } = STAGING_LAYOUT;
  for (const f of [manifest, skus, usersDir, reportsDir]) assertNotSymlink(root, path.join(root, f));
  for (const sub of [usersDir, reportsDir]) {
    const dir = path.join(root, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) assertNotSymlink(root, path.join(dir, f));
  }
}
