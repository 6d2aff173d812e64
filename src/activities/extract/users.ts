// extractUsers: the tenant's roster into the run's staging directory, from users/delta when it may, else by a
// resumable walk of /users: in parallel shards for a large tenant (users-sharded.ts), else in one sequence
// (users-walk.ts). Returns a directory reference, counts and what became of signInActivity.
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { OVER_SIGN_IN_BUDGET, USER_PAGE_RE, type SignInOutcome } from '../../shared/staging-contract';
import { withActivityGraph } from '../graph-context';
import { sha256OfFiles } from '../staging-files';
import { runStagingDir, userPageFile, usersCursorFile, usersDir } from '../staging-layout';
import { deltaFiles, deltaRun, startDelta, stageRoster, type DeltaSettings } from '../users-delta';
import { readCursor, type UsersProgress } from './users-cursor';
import { stageSharded, type ShardedOutcome, type ShardedWalk } from './users-sharded';
import { DEFAULT_SHARD_SETTINGS, readWalkMemory, SEQUENTIAL_RUNS_AFTER_FALLBACK, walkMemoryFile, writeWalkMemory, type RunCount, type WalkMemory } from './users-sharding';
import { dropShards, readPlan } from './users-shards';
import { overSignInBudget } from './sign-in-budget';
import { beatOf, walkUserPages, type UsersWalk } from './users-walk';
import { USER_SELECT, type ExtractDeps, type ExtractInput, type PageSizes, type StagedUsers } from './types';

type UsersRequest = ExtractInput & { signIn?: boolean };

/** How the walk begins: a sequential walk resumed from its cursor, a sharded walk resumed from its plan, or afresh. */
type WalkStart = 'sequential' | 'sharded' | 'fresh';

/** Resumes an earlier attempt's walk from its cursor (or shard plan) on disk, or starts a fresh one on an emptied directory. */
async function startWalk(ctx: Context, dataDir: string, sizes: PageSizes, input: UsersRequest): Promise<{ walk: UsersWalk; start: WalkStart }> {
  const runDir = runStagingDir(dataDir, input.tenantId, input.runId);
  const dir = usersDir(runDir);
  // With signInActivity Graph allows smaller pages (500 today); never assume a page is full.
  const urlFor = (signIn: boolean): string =>
    signIn ? `/v1.0/users?$select=${USER_SELECT},signInActivity&$top=${Math.min(sizes.signIn, sizes.users)}` : `/v1.0/users?$select=${USER_SELECT}&$top=${sizes.users}`;
  const requested = input.signIn ?? false;
  const cursorFile = usersCursorFile(runDir);
  const pageFile = (page: number): string => userPageFile(runDir, page);
  const walk: UsersWalk = { ctx, runDir, dir, pageFile, cursorFile, sizes, urlFor, firstUrl: urlFor(requested), progress: { page: 0, count: 0, nextLink: null } };
  const resumed = ctx.info.heartbeatDetails as UsersProgress | undefined;
  // An earlier attempt heartbeated: continue from its cursor on disk (which may be a page ahead of the beat).
  const cursor = resumed ? await readCursor(cursorFile) : null;
  if (cursor && cursor.nextLink && cursor.page >= resumed!.page) {
    walk.progress = cursor;
    walk.firstUrl = urlFor(cursor.signIn ?? false);
    ctx.log.info('resuming the users walk', { afterPage: cursor.page, attempt: ctx.info.attempt });
    return { walk, start: 'sequential' };
  }
  walk.progress = { page: 0, nextLink: walk.firstUrl, count: 0, signIn: requested, deniedCode: null };
  // A sharded walk keeps its shards' pages and cursors until they are merged: the retry resumes each shard.
  if (resumed && (await readPlan(runDir))) return { walk, start: 'sharded' };
  // A fresh walk: drop whatever an earlier attempt left (pages, cursor, shards), so no page is doubled.
  await rm(dir, { recursive: true, force: true });
  await rm(cursorFile, { force: true });
  await dropShards(runDir);
  return { walk, start: 'fresh' };
}

/** The roster from users/delta, staged as pages; null when the delta cannot answer and a full walk must. */
async function stageFromDelta(deps: ExtractDeps, walk: UsersWalk, input: UsersRequest, delta: DeltaSettings): Promise<StagedUsers | null> {
  const { dir, runDir, ctx } = walk;
  const requested = input.signIn ?? false;
  const fromDelta = await withActivityGraph(deps.graphFor, input.tenantId, (graph) =>
    deltaRun(graph, deltaFiles(deps.dataDir, input.tenantId), delta, async (roster) => void (await stageRoster(roster, dir, (p) => userPageFile(runDir, p))), ctx.log),
  );
  if (fromDelta === null) return null;
  const kept = (await readdir(dir))
    .filter((f) => USER_PAGE_RE.test(f))
    .sort()
    .map((f) => path.join(dir, f));
  const { sha256, bytes } = await sha256OfFiles(kept);
  // users/delta cannot return signInActivity: inactivity comes from the reports until the next full walk.
  return { path: dir, count: fromDelta, bytes, sha256, signIn: { requested, available: false, reason: requested ? 'read_by_delta' : 'not_granted' } };
}

/** The walk's page files; pages beyond the last one can only be left by an earlier walk of a longer roster. */
async function keptPages(dir: string, lastPage: number): Promise<string[]> {
  const pageOf = (f: string): number => Number(USER_PAGE_RE.exec(f)![1]);
  const files = (await readdir(dir)).filter((f) => USER_PAGE_RE.test(f)).sort();
  for (const f of files) if (pageOf(f) > lastPage) await rm(path.join(dir, f));
  return files.filter((f) => pageOf(f) <= lastPage).map((f) => path.join(dir, f));
}

/** The walk in shards when the tenant is large and sign-ins are not read; `staged: null` leaves it to the plain walk. */
async function shardedWalk(deps: ExtractDeps, walk: UsersWalk, input: UsersRequest, start: WalkStart, memory: WalkMemory | null, counted: RunCount): Promise<ShardedOutcome> {
  if (start === 'sequential' || walk.progress.signIn) return { staged: null, fellBack: false };
  const progress: UsersProgress = { page: 0, count: 0 };
  const settings = deps.shards ?? DEFAULT_SHARD_SETTINGS;
  const sharded: ShardedWalk = {
    ctx: walk.ctx,
    runDir: walk.runDir,
    sizes: walk.sizes,
    settings,
    memory,
    resume: start === 'sharded',
    progress,
    counted,
    pageSlots: deps.pageSlots,
  };
  const outcome = await withActivityGraph(
    deps.graphFor,
    input.tenantId,
    (graph) => stageSharded(graph, sharded),
    () => ({ ...progress }),
  );
  if (outcome.staged) walk.progress = { ...walk.progress, ...outcome.staged, nextLink: null };
  // Remembered at once, so a retry after a crash in the plain walk does not shard again.
  else if (outcome.fellBack) await rememberWalk(deps, input, { users: memory?.users ?? 0, sequentialRuns: SEQUENTIAL_RUNS_AFTER_FALLBACK, shardPages: memory?.shardPages });
  return outcome;
}

/**
 * Whether a walk asked to read sign-ins leaves them out: over the sign-in budget (decided when the walk starts; a
 * resumed sharded walk was one that left them out, since walks reading sign-ins are never sharded).
 */
async function skipsSignIns(deps: ExtractDeps, walk: UsersWalk, input: UsersRequest, start: WalkStart, memory: WalkMemory | null, counted: RunCount): Promise<boolean> {
  if (start === 'sequential') return false;
  if (start === 'sharded') return true;
  const budget = { maxMinutes: deps.signInBudgetMinutes ?? 0, perMinute: deps.signInRate?.perMinute ?? 0 };
  if (budget.maxMinutes <= 0) return false;
  return withActivityGraph(deps.graphFor, input.tenantId, (graph) => overSignInBudget(graph, budget, Math.min(walk.sizes.signIn, walk.sizes.users), memory, walk.ctx.log, counted));
}

/** The walk goes on without signInActivity, and the run's outcome says it was the budget. */
function leaveSignInsOut(walk: UsersWalk): void {
  walk.firstUrl = walk.urlFor(false);
  walk.progress = { ...walk.progress, nextLink: walk.firstUrl, signIn: false, deniedCode: OVER_SIGN_IN_BUDGET };
}

/** What the next run of this tenant starts from; losing it costs one $count request, never the run. */
const rememberWalk = (deps: ExtractDeps, input: UsersRequest, memory: WalkMemory): Promise<void> =>
  writeWalkMemory(walkMemoryFile(deps.dataDir, input.tenantId), memory).catch((err: unknown) =>
    Context.current().log.warn('could not keep the users count for the next run', { error: (err as Error).name }),
  );

export function createExtractUsers(deps: ExtractDeps) {
  // Lowered for the worker's life when Graph refuses a size: its limits have moved (120, 999, 500) and may again.
  const sizes: PageSizes = { ...(deps.pageSizes ?? { users: 999, signIn: 500 }) };

  return async function extractUsers(input: UsersRequest): Promise<StagedUsers> {
    const ctx = Context.current();
    const requested = input.signIn ?? false;
    const { walk, start } = await startWalk(ctx, deps.dataDir, sizes, input);
    walk.signInRate = deps.signInRate;
    walk.pageSlots = deps.pageSlots;
    const { dir, cursorFile } = walk;
    const delta = deps.delta ?? { mode: 'off', fullWalkEvery: 7 };
    const useDelta = delta.mode === 'always' || (delta.mode === 'auto' && !requested);
    if (useDelta && start !== 'sharded' && walk.progress.page === 0) {
      const staged = await stageFromDelta(deps, walk, input, delta);
      if (staged !== null) return staged;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const memory = await readWalkMemory(walkMemoryFile(deps.dataDir, input.tenantId));
    // A tenant over the sign-in budget is counted once, for the budget and again for the shards' check.
    const counted: RunCount = {};
    if (requested && (await skipsSignIns(deps, walk, input, start, memory, counted))) leaveSignInsOut(walk);
    const sharded = await shardedWalk(deps, walk, input, start, memory, counted);
    if (walk.progress.nextLink) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await withActivityGraph(deps.graphFor, input.tenantId, (graph) => walkUserPages(graph, walk), beatOf(walk));
    }
    await rm(cursorFile, { force: true });
    const { sha256, bytes } = await sha256OfFiles(await keptPages(dir, walk.progress.page));
    await rememberWalk(deps, input, {
      users: walk.progress.count,
      sequentialRuns: sharded.staged ? 0 : sharded.fellBack ? SEQUENTIAL_RUNS_AFTER_FALLBACK : Math.max(0, (memory?.sequentialRuns ?? 0) - 1),
      shardPages: sharded.staged ? sharded.shardPages : memory?.shardPages,
    });
    if (useDelta) {
      // The next run reads only the changes; a failure here costs the next run a full walk, never this run.
      const dFiles = deltaFiles(deps.dataDir, input.tenantId);
      await withActivityGraph(deps.graphFor, input.tenantId, (graph) => startDelta(graph, dFiles, dir, USER_SELECT)).catch((err: unknown) =>
        ctx.log.warn('could not start users/delta: the next run walks every user again', { error: (err as Error).name }),
      );
    }
    const signIn: SignInOutcome = {
      requested,
      available: requested && (walk.progress.signIn ?? false),
      reason: !requested ? 'not_granted' : (walk.progress.deniedCode ?? null),
    };
    return { path: dir, count: walk.progress.count, bytes, sha256, signIn };
  };
}
