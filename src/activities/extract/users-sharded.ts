// The sharded users walk from start to end: whether to shard (users-sharding.ts), the shards (users-shards.ts), their
// merge into the staged users directory (users-merge.ts), and the check against GET /users/$count. When the shards
// missed users, or Graph refused their filter, nothing of them is kept and the caller walks in one sequence.
import { rm } from 'node:fs/promises';
import type { Context } from '@temporalio/activity';
import type { GraphClient } from '../../graph/client';
import { GraphBadRequestError } from '../../graph/errors';
import { usersDir } from '../staging-layout';
import type { UsersProgress } from './users-cursor';
import { mergeShards } from './users-merge';
import { countTolerance, coverageProblem, shardedCount, type RunCount, type ShardSettings, type WalkMemory } from './users-sharding';
import { dropShards, readPlan, shardOrder, walkShards, writePlan, type ShardPlan } from './users-shards';
import type { PageSizes } from './types';
import type { Slots } from '../../shared/slots';

export interface ShardedWalk {
  ctx: Context;
  runDir: string;
  sizes: PageSizes;
  settings: ShardSettings;
  memory: WalkMemory | null;
  /** A retry of this activity: resume the plan on disk instead of deciding afresh. */
  resume: boolean;
  /** What the heartbeats say while the shards walk (counts only). */
  progress: UsersProgress;
  /** The users count this activity made already (the sign-in budget's), reused for the shards' check. */
  counted?: RunCount;
  /** The worker's bound on users pages held at once, shared with every other walk. */
  pageSlots?: Slots;
}

export type ShardedOutcome =
  | { staged: UsersProgress; shardPages: Record<string, number> }
  /** Not sharded (`fellBack` false), or the shards were dropped and the users must be walked in one sequence. */
  | { staged: null; fellBack: boolean };

const fallBack = async (runDir: string): Promise<ShardedOutcome> => {
  await dropShards(runDir);
  await rm(usersDir(runDir), { recursive: true, force: true });
  return { staged: null, fellBack: true };
};

/** The plan to walk: the one on disk for a retry, else a new one when the tenant is large enough; null = walk in one sequence. */
async function planFor(graph: GraphClient, w: ShardedWalk): Promise<ShardPlan | null> {
  const kept = w.resume ? await readPlan(w.runDir) : null;
  if (kept) {
    w.ctx.log.info('resuming the sharded users walk', { shards: kept.prefixes.length, attempt: w.ctx.info.attempt });
    return kept;
  }
  const count = await shardedCount(graph, w.settings, w.memory, w.ctx.log, w.counted);
  if (count === null) return null;
  const plan = { count, prefixes: shardOrder(w.memory?.shardPages) };
  await writePlan(w.runDir, plan);
  w.ctx.log.info('walking the users in shards', { users: count, shards: plan.prefixes.length, atOnce: w.settings.shards });
  return plan;
}

export async function stageSharded(graph: GraphClient, w: ShardedWalk): Promise<ShardedOutcome> {
  const log = w.ctx.log;
  const plan = await planFor(graph, w);
  if (!plan) return { staged: null, fellBack: false };
  let shards: Array<{ prefix: string; pages: number }>;
  try {
    shards = await walkShards(graph, { ctx: w.ctx, runDir: w.runDir, sizes: w.sizes, pageSlots: w.pageSlots }, plan, w.settings.shards, w.progress);
  } catch (err) {
    // Graph refusing the filter is no reason to fail the run: the plain walk needs none.
    if (!(err instanceof GraphBadRequestError)) throw err;
    log.warn('Graph refused the sharded users walk: walking the users in one sequence', { error: err.name, code: err.code ?? null });
    return fallBack(w.runDir);
  }
  const merged = await mergeShards(w.runDir, plan.prefixes);
  if (coverageProblem(plan.count, merged.count)) {
    // UPNs no shard covers, or a count far from what the shards saw: only the plain walk is sure to see everyone.
    log.warn('the sharded users walk found fewer users than GET /users/$count: walking them all in one sequence', {
      found: merged.count,
      counted: plan.count,
      tolerance: countTolerance(plan.count),
    });
    return fallBack(w.runDir);
  }
  if (merged.duplicates > 0) log.info('users seen by two shards were staged once', { duplicates: merged.duplicates });
  await dropShards(w.runDir);
  return { staged: { page: merged.pages, count: merged.count }, shardPages: Object.fromEntries(shards.map((s) => [s.prefix, s.pages])) };
}
