// A finished sharded walk becomes the run's users directory in the staged format the load reads (page-0001.json, …):
// shard pages in plan order, hard-linked (no copy); a page holding a user an earlier page already had (renamed
// between two shards' reads) is rewritten without that user, so the load never sees one user twice.
import { copyFile, link, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { USER_PAGE_RE } from '../../shared/staging-contract';
import { writeFileAtomic } from '../staging-files';
import { userPageFile, usersDir } from '../staging-layout';
import { shardDir } from './users-shards';

export interface MergedShards {
  /** Page files written to the users directory. */
  pages: number;
  /** Users staged, each id once. */
  count: number;
  /** Users dropped because an earlier page had them. */
  duplicates: number;
}

/** Same volume, so a hard link; a copy where the file system has none. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** Redone from the start when a crash interrupts it: the shards' files stay until the walk is over. */
export async function mergeShards(runDir: string, prefixes: readonly string[]): Promise<MergedShards> {
  const out = usersDir(runDir);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true, mode: 0o700 });
  const seen = new Set<string>();
  const merged: MergedShards = { pages: 0, count: 0, duplicates: 0 };
  for (const prefix of prefixes) {
    const dir = shardDir(runDir, prefix);
    for (const f of (await readdir(dir)).filter((n) => USER_PAGE_RE.test(n)).sort()) {
      const from = path.join(dir, f);
      const page = JSON.parse(await readFile(from, 'utf8')) as Record<string, unknown> & { value?: Array<{ id?: unknown }> };
      const users = page.value ?? [];
      // A user without an id is kept: the load names the page and the missing field.
      const fresh = users.filter((u) => typeof u.id !== 'string' || (!seen.has(u.id) && seen.add(u.id)));
      merged.duplicates += users.length - fresh.length;
      merged.count += fresh.length;
      if (fresh.length === 0) continue;
      const to = userPageFile(runDir, ++merged.pages);
      if (fresh.length === users.length) await linkOrCopy(from, to);
      else await writeFileAtomic(to, JSON.stringify({ ...page, value: fresh }));
    }
  }
  // The load needs at least one page, even for a tenant with no users.
  if (merged.pages === 0) await writeFileAtomic(userPageFile(runDir, ++merged.pages), '{"value":[]}');
  return merged;
}
