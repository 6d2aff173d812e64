// Who may read what the pipeline writes. Everything is private to the pipeline's user
// (umask 077: files 0600, directories 0700) except the published warehouse, which an analysts' group may read:
// mode M365_PUBLISHED_MODE (default 0640, never group- or world-writable), group M365_PUBLISHED_GROUP (optional).
import { readFileSync } from 'node:fs';
import { chmod, chown, stat } from 'node:fs/promises';

export const PRIVATE_UMASK = 0o077;
export const DEFAULT_PUBLISHED_MODE = 0o640;

/** A published-file setting is wrong: fix the environment variable it names. */
export class PublishedAccessError extends Error {
  override name = 'PublishedAccessError';
}

/** Sets the process umask so every file and directory created from now on is the owner's only. */
export function applyPrivateUmask(): void {
  process.umask(PRIVATE_UMASK);
}

export interface PublishedAccess {
  mode: number;
  /** Numeric group id to give the published file, when configured. */
  gid?: number;
}

/** Parses an octal mode such as 0640 or 640; refuses anything writable by group or others, or executable. */
export function parsePublishedMode(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_PUBLISHED_MODE;
  const t = text.trim();
  if (!/^0?[0-7]{3}$/.test(t)) throw new PublishedAccessError(`M365_PUBLISHED_MODE must be an octal mode such as 0640, got ${JSON.stringify(text)}.`);
  const mode = parseInt(t, 8);
  if (mode & 0o133) throw new PublishedAccessError(`M365_PUBLISHED_MODE ${t} would let others write or execute the published file: use 0640 or 0600.`);
  if (!(mode & 0o400)) throw new PublishedAccessError(`M365_PUBLISHED_MODE ${t} must let the owner read the file (e.g. 0640).`);
  return mode;
}

/** A group name (looked up in /etc/group) or numeric gid. */
export function resolveGroup(text: string | undefined, groupFile = '/etc/group'): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  let lines: string[];
  try {
    lines = readFileSync(groupFile, 'utf8').split('\n');
  } catch (err) {
    throw new PublishedAccessError(`M365_PUBLISHED_GROUP ${t}: cannot read ${groupFile} to find its gid; give the numeric gid instead.`, { cause: err });
  }
  const entry = lines.map((l) => l.split(':')).find((f) => f[0] === t);
  if (!entry || !/^\d+$/.test(entry[2] ?? '')) throw new PublishedAccessError(`M365_PUBLISHED_GROUP ${t} is not a group on this machine: create it or give a numeric gid.`);
  return Number(entry[2]);
}

export function publishedAccess(env: NodeJS.ProcessEnv = process.env): PublishedAccess {
  return { mode: parsePublishedMode(env.M365_PUBLISHED_MODE), gid: resolveGroup(env.M365_PUBLISHED_GROUP) };
}

/** Gives the (not yet renamed) published copy its group and mode. */
export async function applyPublishedAccess(file: string, access: PublishedAccess): Promise<void> {
  if (access.gid !== undefined) {
    try {
      await chown(file, -1, access.gid);
    } catch (err) {
      throw new PublishedAccessError(
        `Cannot give ${file} the group ${access.gid} (M365_PUBLISHED_GROUP): the pipeline's user must be a member of that group.`,
        { cause: err },
      );
    }
  }
  await chmod(file, access.mode);
}

/**
 * Readers need search (x) permission on the published file's directory, which the private umask withholds: grant it
 * to the classes the file's mode lets read (group for 0640). Only directories this user owns are changed.
 */
export async function makeDirectoryTraversable(dir: string, access: PublishedAccess): Promise<void> {
  const st = await stat(dir);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return;
  const extra = (access.mode & 0o040 ? 0o010 : 0) | (access.mode & 0o004 ? 0o001 : 0);
  if (access.gid !== undefined && st.gid !== access.gid) await chown(dir, -1, access.gid).catch(() => undefined);
  if ((st.mode & extra) !== extra) await chmod(dir, (st.mode & 0o7777) | extra);
}
