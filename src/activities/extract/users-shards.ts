// The full users walk in parallel shards: one `$filter=startswith(userPrincipalName,'x')` walk per prefix, each with
// its own page files and cursor under users.shards/, so a crash resumes every shard where it was and an expired skip
// token restarts that shard alone; at most `concurrency` shards at once. Only for walks without signInActivity.
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '@temporalio/activity';
import type { GraphClient } from '../../graph/client';
import { userPageName } from '../../shared/staging-contract';
import { writeFileAtomic } from '../staging-files';
import { usersShardsDir } from '../staging-layout';
import { readCursor, type UsersProgress } from './users-cursor';
import { walkUserPages, type UsersWalk } from './users-walk';
import { USER_SELECT, type PageSizes } from './types';
import type { Slots } from '../../shared/slots';

/**
 * One shard per lower-case letter and digit (Graph's startswith on userPrincipalName is case-insensitive). A UPN may
 * also begin with ' - _ ! # ^ ~, which no shard covers: the $count check finds such users and the walk falls back.
 */
export const SHARD_PREFIXES: readonly string[] = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** What a sharded walk is checked against and walks: kept on disk so a retry resumes the same shards. */
export interface ShardPlan {
  /** GET /users/$count when the walk began. */
  count: number;
  /** The shards, in the order they start (largest first when a previous walk told their sizes). */
  prefixes: string[];
}

const planFile = (runDir: string): string => path.join(usersShardsDir(runDir), 'plan.json');
export const shardDir = (runDir: string, prefix: string): string => path.join(usersShardsDir(runDir), `shard-${prefix}`);
const shardCursorFile = (runDir: string, prefix: string): string => path.join(usersShardsDir(runDir), `shard-${prefix}.cursor.json`);

export async function readPlan(runDir: string): Promise<ShardPlan | null> {
  try {
    const p = JSON.parse(await readFile(planFile(runDir), 'utf8')) as Partial<ShardPlan>;
    const valid = typeof p.count === 'number' && Array.isArray(p.prefixes) && p.prefixes.every((x) => SHARD_PREFIXES.includes(x));
    return valid ? { count: p.count!, prefixes: p.prefixes! } : null;
  } catch {
    return null;
  }
}

export async function writePlan(runDir: string, plan: ShardPlan): Promise<void> {
  await mkdir(usersShardsDir(runDir), { recursive: true, mode: 0o700 });
  await writeFileAtomic(planFile(runDir), JSON.stringify(plan));
}

export const dropShards = (runDir: string): Promise<void> => rm(usersShardsDir(runDir), { recursive: true, force: true });

/** The shard order: the largest shards of the last walk first (so the longest chains start at once), then the rest. */
export function shardOrder(lastPages: Record<string, number> | undefined): string[] {
  const size = (p: string): number => lastPages?.[p] ?? 0;
  return [...SHARD_PREFIXES].sort((a, b) => size(b) - size(a) || SHARD_PREFIXES.indexOf(a) - SHARD_PREFIXES.indexOf(b));
}

interface ShardContext {
  ctx: Context;
  runDir: string;
  sizes: PageSizes;
  beat: () => UsersProgress;
  stop: { requested: boolean };
  pageSlots?: Slots | undefined;
}

/** One shard's walk: from its cursor (a finished shard has no next link), or from its first page on an emptied directory. */
async function shardWalk(s: ShardContext, prefix: string): Promise<UsersWalk> {
  const dir = shardDir(s.runDir, prefix);
  // The prefixes are letters and digits: nothing to escape in the OData literal or the URL.
  const urlFor = (): string => `/v1.0/users?$select=${USER_SELECT}&$top=${s.sizes.users}&$filter=startswith(userPrincipalName,'${prefix}')`;
  const pageFile = (page: number): string => path.join(dir, userPageName(page));
  const walk: UsersWalk = { ...s, dir, pageFile, cursorFile: shardCursorFile(s.runDir, prefix), urlFor, firstUrl: urlFor(), progress: { page: 0, count: 0, nextLink: null } };
  const cursor = await readCursor(walk.cursorFile);
  if (cursor) walk.progress = cursor;
  else {
    await rm(dir, { recursive: true, force: true });
    walk.progress = { page: 0, count: 0, nextLink: walk.firstUrl, signIn: false, deniedCode: null };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return walk;
}

/** Pages and users so far over every shard (heartbeat details: counts only). */
function totals(walks: UsersWalk[], into: UsersProgress): UsersProgress {
  into.page = walks.reduce((n, w) => n + w.progress.page, 0);
  into.count = walks.reduce((n, w) => n + w.progress.count, 0);
  into.shards = walks.length;
  into.shardsDone = walks.filter((w) => w.progress.nextLink === null).length;
  return { ...into };
}

export interface ShardsPerPrefix {
  prefix: string;
  pages: number;
}

/**
 * Walks every shard of the plan still to finish, `concurrency` at once, updating `progress` (what the heartbeats
 * say). The first failure that a shard cannot restart from stops the others after their current page and is thrown.
 */
export async function walkShards(
  graph: GraphClient,
  s: Omit<ShardContext, 'beat' | 'stop'>,
  plan: ShardPlan,
  concurrency: number,
  progress: UsersProgress,
): Promise<ShardsPerPrefix[]> {
  const walks: UsersWalk[] = [];
  const shared: ShardContext = { ...s, beat: () => totals(walks, progress), stop: { requested: false } };
  for (const prefix of plan.prefixes) walks.push(await shardWalk(shared, prefix));
  shared.beat();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!shared.stop.requested && next < walks.length) {
      const walk = walks[next++]!;
      try {
        await walkUserPages(graph, walk);
      } catch (err) {
        shared.stop.requested = true;
        throw err;
      }
      s.ctx.heartbeat(shared.beat());
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, walks.length)) }, worker));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return walks.map((w, i) => ({ prefix: plan.prefixes[i]!, pages: w.progress.page }));
}
