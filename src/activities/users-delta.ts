// The roster kept by users/delta between full walks: per tenant in the data directory (never in workflow history),
// the deltaLink and the roster it applies to. A delta run follows the link, upserts changed users by id (the initial
// sync may send one twice), drops `@removed` ones, and stages the roster as ordinary users pages; an expired link
// (400 syncStateNotFound), a 410 or a missing link means a full walk instead.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { GraphClient } from '../graph/client';
import { GraphBadRequestError, SkipTokenExpiredError } from '../graph/errors';
import { USER_PAGE_RE } from '../shared/staging-contract';
import { writeFileAtomic } from './staging-files';

export interface DeltaState {
  /** The deltaLink as a path and query: the Graph host comes from the configuration on each use. */
  deltaLink: string;
  /** Delta runs since the last full walk (a full walk comes every `fullWalkEvery` runs for what delta does not track). */
  deltaRuns: number;
}

export interface DeltaFiles {
  dir: string;
  state: string;
  roster: string;
}

export const deltaFiles = (dataDir: string, tenantId: string): DeltaFiles => {
  const dir = path.join(dataDir, 'delta', tenantId);
  return { dir, state: path.join(dir, 'state.json'), roster: path.join(dir, 'roster.jsonl') };
};

/** The link must be followed again from scratch: expired (syncStateNotFound), 410 Gone, or none kept. */
export class DeltaResyncNeeded extends Error {
  override name = 'DeltaResyncNeeded';
}

const relative = (link: string): string => {
  const u = new URL(link, 'https://graph.invalid');
  return `${u.pathname}${u.search}`;
};

export async function readDeltaState(files: DeltaFiles): Promise<DeltaState | null> {
  try {
    const s = JSON.parse(await readFile(files.state, 'utf8')) as Partial<DeltaState>;
    return typeof s.deltaLink === 'string' && typeof s.deltaRuns === 'number' ? { deltaLink: s.deltaLink, deltaRuns: s.deltaRuns } : null;
  } catch {
    return null;
  }
}

/** Follows a delta (or initial sync) link to its deltaLink, returning id → user (null = removed). */
export async function followDelta(graph: GraphClient, link: string): Promise<{ changes: Map<string, Record<string, unknown> | null>; deltaLink: string; pages: number }> {
  const changes = new Map<string, Record<string, unknown> | null>();
  let next: string | undefined = relative(link);
  let pages = 0;
  for (;;) {
    let page: { value?: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    try {
      page = await graph.getJson(next);
    } catch (err) {
      if (err instanceof SkipTokenExpiredError || (err instanceof GraphBadRequestError && err.code === 'syncStateNotFound')) {
        throw new DeltaResyncNeeded(`users/delta asks for a full resync (${err.code ?? `HTTP ${err.status}`})`, { cause: err });
      }
      throw err;
    }
    pages++;
    for (const u of page.value ?? []) {
      const id = u.id;
      if (typeof id !== 'string' || id === '') throw new Error(`users/delta page ${pages} has a user without 'id'.`);
      changes.set(id, u['@removed'] ? null : u);
    }
    if (page['@odata.deltaLink']) return { changes, deltaLink: relative(page['@odata.deltaLink']), pages };
    if (!page['@odata.nextLink']) throw new Error(`users/delta page ${pages} has neither a nextLink nor a deltaLink.`);
    next = relative(page['@odata.nextLink']);
  }
}

/** A deltaLink "from now on" (`$deltatoken=latest`), taken right after a full walk. */
export async function latestDeltaLink(graph: GraphClient, select: string): Promise<string> {
  const r = await followDelta(graph, `/v1.0/users/delta?$select=${select}&$deltatoken=latest`);
  return r.deltaLink;
}

async function readRoster(file: string): Promise<Map<string, string>> {
  const roster = new Map<string, string>();
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    roster.set((JSON.parse(line) as { id: string }).id, line);
  }
  return roster;
}

/** The users of staged pages (a full walk) as the kept roster. */
export async function rosterFromPages(usersDir: string): Promise<Map<string, string>> {
  const roster = new Map<string, string>();
  for (const f of (await readdir(usersDir)).filter((n) => USER_PAGE_RE.test(n)).sort()) {
    const page = JSON.parse(await readFile(path.join(usersDir, f), 'utf8')) as { value?: Array<{ id: string }> };
    for (const u of page.value ?? []) roster.set(u.id, JSON.stringify(u));
  }
  return roster;
}

/** Applies changes to the kept roster: upsert by id, removals dropped. */
export async function applyDelta(files: DeltaFiles, changes: Map<string, Record<string, unknown> | null>): Promise<Map<string, string>> {
  const roster = await readRoster(files.roster);
  for (const [id, u] of changes) {
    if (u === null) roster.delete(id);
    else roster.set(id, JSON.stringify(u));
  }
  return roster;
}

export async function saveDeltaState(files: DeltaFiles, roster: Map<string, string>, state: DeltaState): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(files.roster, [...roster.values()].join('\n') + '\n');
  await writeFileAtomic(files.state, JSON.stringify(state));
}

export async function forgetDeltaState(files: DeltaFiles): Promise<void> {
  await rm(files.dir, { recursive: true, force: true });
}

/** Writes the roster as users pages of `pageSize`, the shape the warehouse reads; returns the page files. */
export async function stageRoster(roster: Map<string, string>, usersDir: string, pageFile: (page: number) => string, pageSize = 999): Promise<string[]> {
  await rm(usersDir, { recursive: true, force: true });
  await mkdir(usersDir, { recursive: true, mode: 0o700 });
  const rows = [...roster.values()];
  const files: string[] = [];
  for (let p = 0; p === 0 || p * pageSize < rows.length; p++) {
    const file = pageFile(p + 1);
    await writeFileAtomic(file, `{"@odata.context":"users (from users/delta)","value":[${rows.slice(p * pageSize, (p + 1) * pageSize).join(',')}]}`);
    files.push(file);
  }
  return files;
}

/** When the users extract takes the roster from users/delta: `off`; `auto` (only when sign-ins are not read); `always`. */
export type DeltaMode = 'off' | 'auto' | 'always';

export interface DeltaSettings {
  mode: DeltaMode;
  /** A full walk every this many runs, for what delta does not track (licenseAssignmentStates alone). */
  fullWalkEvery: number;
}

/**
 * Day 2 onward: follows the kept deltaLink, applies it and stages the roster; returns the number of users, or null
 * when a full walk is due (none kept, the periodic walk, or Graph asks for a resync: the state is then forgotten).
 */
export async function deltaRun(
  graph: GraphClient,
  files: DeltaFiles,
  settings: DeltaSettings,
  stage: (roster: Map<string, string>) => Promise<void>,
  log: { info(msg: string, meta?: Record<string, unknown>): void; warn(msg: string, meta?: Record<string, unknown>): void },
): Promise<number | null> {
  const state = await readDeltaState(files);
  if (!state) return null;
  if (state.deltaRuns + 1 >= settings.fullWalkEvery) {
    log.info('periodic full walk of the users (users/delta does not track every property)', { deltaRuns: state.deltaRuns });
    return null;
  }
  try {
    const delta = await followDelta(graph, state.deltaLink);
    const roster = await applyDelta(files, delta.changes);
    await stage(roster);
    await saveDeltaState(files, roster, { deltaLink: delta.deltaLink, deltaRuns: state.deltaRuns + 1 });
    log.info('users read from users/delta', { changes: delta.changes.size, pages: delta.pages, users: roster.size });
    return roster.size;
  } catch (err) {
    if (!(err instanceof DeltaResyncNeeded)) throw err;
    log.warn('users/delta asks for a full resync: walking every user', { reason: err.message });
    await forgetDeltaState(files);
    return null;
  }
}

/** After a full walk: keeps its roster (without signInActivity, which delta cannot refresh) and a deltaLink from now on. */
export async function startDelta(graph: GraphClient, files: DeltaFiles, usersDir: string, select: string): Promise<void> {
  const roster = await rosterFromPages(usersDir);
  for (const [id, line] of roster) {
    if (!line.includes('"signInActivity"')) continue;
    const u = JSON.parse(line) as Record<string, unknown>;
    delete u.signInActivity;
    roster.set(id, JSON.stringify(u));
  }
  await saveDeltaState(files, roster, { deltaLink: await latestDeltaLink(graph, select), deltaRuns: 0 });
}
