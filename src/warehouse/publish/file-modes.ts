// Who may read what the pipeline writes. Everything is private to the pipeline's user
// (umask 077: files 0600, directories 0700) except the published warehouse, which an analysts' group may read:
// mode M365_PUBLISHED_MODE (default 0640, never group- or world-writable), group M365_PUBLISHED_GROUP (optional),
// and the Parquet history its views read, which those readers get read access to as well (never write).
import { readFileSync } from 'node:fs';
import { chmod, chown, lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

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
      throw new PublishedAccessError(`Cannot give ${file} the group ${access.gid} (M365_PUBLISHED_GROUP): the pipeline's user must be a member of that group.`, { cause: err });
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

/** Where loads write before committing: never shared (a load's scratch files are not the history yet). */
const PRIVATE_HISTORY_DIRS = new Set(['.incoming']);

/**
 * The Parquet history the published file's views read must be readable by whoever may read that file: each
 * history file gets the published file's group and its read bits (never write), each directory search and list
 * (glob needs both) for the same classes. Only entries this user owns are changed; scratch stays private.
 */
export async function shareHistoryWithReaders(root: string, access: PublishedAccess): Promise<void> {
  const fileRead = access.mode & 0o044;
  const dirBits = (fileRead & 0o040 ? 0o050 : 0) | (fileRead & 0o004 ? 0o005 : 0);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const fix = async (p: string, want: number, st: { uid: number; gid: number; mode: number }) => {
    if (uid !== undefined && st.uid !== uid) return;
    if (access.gid !== undefined && st.gid !== access.gid) {
      try {
        await chown(p, -1, access.gid);
      } catch (err) {
        throw new PublishedAccessError(`Cannot give ${p} the group ${access.gid} (M365_PUBLISHED_GROUP): the pipeline's user must be a member of that group.`, { cause: err });
      }
    }
    if ((st.mode & 0o777) !== want) await chmod(p, want);
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // no history yet
    }
    await fix(dir, 0o700 | dirBits, await lstat(dir));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !PRIVATE_HISTORY_DIRS.has(e.name)) await walk(p);
      else if (e.isFile() && e.name.endsWith('.parquet')) await fix(p, 0o600 | fileRead, await lstat(p));
    }
  };
  await walk(root);
}
