// The users walk's progress: page and count in heartbeats, the next page's link only in a cursor file on disk.
import { readFile } from 'node:fs/promises';

/**
 * Heartbeat details of the users walk: page number and count only. The next page's link stays on disk (the
 * cursor file in the run's staging directory): Graph skiptokens can encode UPNs, and heartbeat details are
 * recorded in workflow history, which must hold no personal data.
 */
export interface UsersProgress {
  page: number;
  count: number;
  /** A sharded walk (users-shards.ts): its shards, and how many have reached their last page. */
  shards?: number;
  shardsDone?: number;
}

/** The users walk's resume point on disk: written after each page file, so it never points past a missing page. */
export interface UsersCursor extends UsersProgress {
  nextLink: string | null;
  /** The walk selects signInActivity (false after a 403 made it fall back). */
  signIn?: boolean;
  /** The Graph error code that refused signInActivity, when it was asked for. */
  deniedCode?: string | null;
}

export async function readCursor(file: string): Promise<UsersCursor | null> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as Partial<UsersCursor>;
    return typeof c.page === 'number' && typeof c.count === 'number' && (typeof c.nextLink === 'string' || c.nextLink === null)
      ? { page: c.page, count: c.count, nextLink: c.nextLink, signIn: c.signIn === true, deniedCode: c.deniedCode ?? null }
      : null;
  } catch {
    return null;
  }
}
