// Whether a full users walk runs in shards: the setting, the tenant's size (kept from its last walk, else read with
// GET /users/$count), and what the last sharded walk taught. The memory is per tenant in the data directory (counts
// only), never in workflow history.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GraphClient } from '../../graph/client';
import { writeFileAtomic } from '../staging-files';
import { safeSegment } from '../staging-layout';

/** M365_USERS_SHARDS (shards walked at once; 1 = never shard) and M365_USERS_SHARD_MIN (users from which a walk is sharded). */
export interface ShardSettings {
  shards: number;
  minUsers: number;
}

export const DEFAULT_SHARD_SETTINGS: ShardSettings = { shards: 8, minUsers: 25_000 };

/** After a sharded walk missed users and fell back, this many following runs walk in one sequence before shards are tried again. */
export const SEQUENTIAL_RUNS_AFTER_FALLBACK = 6;

/** What the last walk of a tenant left for the next one. */
export interface WalkMemory {
  /** Users the last full walk staged. */
  users: number;
  /** Runs still to walk in one sequence because a sharded walk missed users. */
  sequentialRuns: number;
  /** Pages of each shard in the last sharded walk: the next one starts the largest first. */
  shardPages?: Record<string, number>;
}

export const walkMemoryFile = (dataDir: string, tenantId: string): string => path.join(dataDir, 'users-walk', `${safeSegment(tenantId)}.json`);

export async function readWalkMemory(file: string): Promise<WalkMemory | null> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as Partial<WalkMemory>;
    if (typeof m.users !== 'number') return null;
    const shardPages = m.shardPages && typeof m.shardPages === 'object' ? m.shardPages : undefined;
    return { users: m.users, sequentialRuns: typeof m.sequentialRuns === 'number' ? m.sequentialRuns : 0, shardPages };
  } catch {
    return null;
  }
}

export async function writeWalkMemory(file: string, memory: WalkMemory): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(memory));
}

/** One activity's count of the tenant's users, kept so the sign-in budget and the shards' check ask Graph once. */
export interface RunCount {
  users?: number;
}

/**
 * Graph's count of the tenant's users: an advanced query, so it needs `ConsistencyLevel: eventual` (docs/graph.md).
 * With `known`, a count this activity already made is reused, and a new one is kept there.
 */
export async function countUsers(graph: GraphClient, known?: RunCount): Promise<number> {
  if (known?.users !== undefined) return known.users;
  const text = (await graph.getText('/v1.0/users/$count', { consistencylevel: 'eventual', accept: 'text/plain' })).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`GET /users/$count answered ${JSON.stringify(text.slice(0, 40))}, not a number.`);
  if (known) known.users = n;
  return n;
}

type Log = { info(msg: string, meta?: Record<string, unknown>): void; warn(msg: string, meta?: Record<string, unknown>): void };

/**
 * The count to check the shards against when this walk is sharded, or null when it walks in one sequence: sharding
 * off, a tenant the last walk found small, a recent fallback, or $count refused or below the setting.
 */
export async function shardedCount(graph: GraphClient, settings: ShardSettings, memory: WalkMemory | null, log: Log, known?: RunCount): Promise<number | null> {
  if (settings.shards <= 1) return null;
  if (memory && memory.sequentialRuns > 0) {
    log.info('users walked in one sequence: a recent sharded walk missed users', { runsLeft: memory.sequentialRuns });
    return null;
  }
  if (memory && memory.users < settings.minUsers) return null;
  let count: number;
  try {
    count = await countUsers(graph, known);
  } catch (err) {
    // B2C tenants, for one, have no $count: the walk still works, in one sequence.
    log.warn('could not count the users: walking them in one sequence', { error: (err as Error).name });
    return null;
  }
  return count >= settings.minUsers ? count : null;
}

/** Users $count may differ from what the shards found by this many without a fallback: it is eventually consistent. */
export const countTolerance = (count: number): number => Math.max(2, Math.ceil(count / 10_000));

/** Why the shards cannot stand for the whole roster (fewer users than $count beyond the tolerance), or null. */
export function coverageProblem(count: number, found: number): string | null {
  const tolerance = countTolerance(count);
  return found < count - tolerance ? `the shards found ${found} users, GET /users/$count said ${count} (tolerance ${tolerance})` : null;
}
