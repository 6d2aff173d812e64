// The full users walk in parallel shards ($filter=startswith(userPrincipalName,'x')), against the real simulator over
// HTTPS (its CA trusted through M365_CA_FILE, as the pipeline does) with real MSAL: the same users as the plain
// walk, resumable per shard, one shard restarted alone when its link expires, and the fall back to the plain walk
// when the shards miss users ($count says more).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractActivities, type StagedUsers } from '../../src/activities/extract';
import { mergeShards } from '../../src/activities/extract/users-merge';
import type { ShardSettings } from '../../src/activities/extract/users-sharding';
import { shardDir } from '../../src/activities/extract/users-shards';
import { walkMemoryFile } from '../../src/activities/extract/users-sharding';
import { createGraphFactory, type GraphFactory } from '../../src/activities/graph-context';
import { runStagingDir, usersShardsDir } from '../../src/activities/staging-layout';
import { simulatorEnv } from '../../src/cli/dev-job';
import { parseConfig } from '../../src/config';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../../src/simulator/index';
import { stagedUserIds } from '../support/staged-pages';
import { Slots } from '../../src/shared/slots';

const SMALL_PAGES = { users: 100, signIn: 100 };
const SHARDED: ShardSettings = { shards: 4, minUsers: 1000 };
const SEQUENTIAL: ShardSettings = { shards: 1, minUsers: 1000 };

interface Tenant {
  sim: SimulatorHandle;
  dataDir: string;
  graphFor: GraphFactory;
}

/** The pipeline's Graph clients for the simulator, without in-process retries: an injected 500 ends the attempt at once, as a crash would. */
function graphForSim(sim: SimulatorHandle, dataDir: string): GraphFactory {
  const base = createGraphFactory(parseConfig(simulatorEnv(sim, dataDir)));
  return (id) => {
    const g = base(id);
    return { ...g, client: (o) => g.client({ ...o, maxRetries: 0 }) };
  };
}

async function tenant(opts: Parameters<typeof startSimulator>[0]): Promise<Tenant> {
  const sim = await startSimulator({ today: '2025-06-10', ...opts });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-shards-'));
  return { sim, dataDir, graphFor: graphForSim(sim, dataDir) };
}

/** What the activity logged, message and counts (the walk logs no user data). */
const logged: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
const logger = {
  log: (level: string, message: string, meta?: Record<string, unknown>) => void logged.push({ level, message, meta }),
  trace: (message: string, meta?: Record<string, unknown>) => void logged.push({ level: 'TRACE', message, meta }),
  debug: (message: string, meta?: Record<string, unknown>) => void logged.push({ level: 'DEBUG', message, meta }),
  info: (message: string, meta?: Record<string, unknown>) => void logged.push({ level: 'INFO', message, meta }),
  warn: (message: string, meta?: Record<string, unknown>) => void logged.push({ level: 'WARN', message, meta }),
  error: (message: string, meta?: Record<string, unknown>) => void logged.push({ level: 'ERROR', message, meta }),
};

async function closeTenant(t: Tenant | undefined): Promise<void> {
  if (!t) return;
  await t.graphFor(t.sim.tenantId).tokens.close();
  await t.sim.close();
  rmSync(t.dataDir, { recursive: true, force: true });
}

/** Runs extractUsers as one activity attempt; `heartbeatDetails` makes it the retry of an attempt that beat them. */
async function extract(
  t: Tenant,
  runId: string,
  shards: ShardSettings,
  attempt: { heartbeatDetails?: unknown; signIn?: boolean; signInBudgetMinutes?: number; pageSlots?: Slots } = {},
) {
  const beats: unknown[] = [];
  const env = new MockActivityEnvironment(attempt.heartbeatDetails ? { heartbeatDetails: attempt.heartbeatDetails, attempt: 2 } : {}, { logger });
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const activities = createExtractActivities({
    dataDir: t.dataDir,
    graphFor: t.graphFor,
    pageSizes: SMALL_PAGES,
    shards,
    signInBudgetMinutes: attempt.signInBudgetMinutes,
    pageSlots: attempt.pageSlots,
  });
  const run = env.run(activities.extractUsers, { tenantId: t.sim.tenantId, runId, signIn: attempt.signIn }) as Promise<StagedUsers>;
  return { run, beats };
}

/** Every staged user, by id (the JSON as Graph sent it). */
function stagedUsers(dir: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => /^page-\d+\.json$/.test(n))) {
    for (const u of (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { value: Array<{ id: string }> }).value) users.set(u.id, JSON.stringify(u));
  }
  return users;
}

const filterOf = (p: string): string | undefined => /startswith\(userPrincipalName,(?:'|%27)([^'%]+)(?:'|%27)\)/.exec(decodeURIComponent(p))?.[1];
const usersPages = (t: Tenant) => t.sim.requestLog.filter((e) => e.endpoint === 'users' && e.path.startsWith('/v1.0/users?'));

describe('the sharded users walk', () => {
  let t: Tenant;
  let plain: Map<string, string>;
  beforeAll(async () => {
    t = await tenant({ users: 3000, seed: 241 });
    const seq = await extract(t, 'plain', SEQUENTIAL);
    plain = stagedUsers((await seq.run).path);
    expect(plain.size).toBe(3000);
  });
  afterAll(() => closeTenant(t));

  it('stages exactly the users of the plain walk, in the staged format, with counts-only heartbeats', async () => {
    t.sim.requestLog.length = 0;
    const { run, beats } = await extract(t, 'sharded', SHARDED);
    const staged = await run;
    expect(staged.count).toBe(3000);
    const users = stagedUsers(staged.path);
    expect([...users.keys()].sort()).toEqual([...plain.keys()].sort());
    for (const [id, json] of users) expect(json).toBe(plain.get(id));
    const { ids, pages } = stagedUserIds(staged.path);
    expect(ids).toHaveLength(3000); // no user twice
    expect(pages).toEqual(Array.from({ length: pages.length }, (_, i) => i + 1));
    expect(existsSync(usersShardsDir(runStagingDir(t.dataDir, t.sim.tenantId, 'sharded')))).toBe(false);
    // It counted first (with ConsistencyLevel: eventual, or the simulator would have refused), then walked the shards only.
    const log = t.sim.requestLog.filter((e) => e.endpoint === 'users');
    expect(log[0]).toMatchObject({ path: '/v1.0/users/$count', status: 200 });
    expect(log.slice(1).every((e) => filterOf(e.path) !== undefined)).toBe(true);
    expect(new Set(log.slice(1).map((e) => filterOf(e.path))).size).toBe(36);
    for (const b of beats) expect(Object.keys(b as object).every((k) => ['page', 'count', 'shards', 'shardsDone'].includes(k))).toBe(true);
    expect(beats.at(-1)).toMatchObject({ count: 3000, shards: 36, shardsDone: 36 });
    expect(JSON.stringify(beats)).not.toMatch(/skiptoken|nextLink|http|@/i);
  });

  it("holds no more users pages at once than the worker's page slots, over all its shards", async () => {
    t.sim.requestLog.length = 0;
    // Slots shared with a second walk of the same tenant, as two tenants' walks share one worker's slots.
    const slots = new Slots(2);
    let most = 0;
    let taken = 0;
    const run = slots.run.bind(slots);
    slots.run = async <T>(work: () => Promise<T>): Promise<T> =>
      run(async () => {
        taken++;
        most = Math.max(most, slots.inUse);
        return work();
      });
    const [a, b] = await Promise.all([extract(t, 'slots-a', SHARDED, { pageSlots: slots }), extract(t, 'slots-b', SHARDED, { pageSlots: slots })]);
    const [stagedA, stagedB] = await Promise.all([a.run, b.run]);
    expect(stagedA.count).toBe(3000);
    expect(stagedB.count).toBe(3000);
    expect(most).toBe(2); // eight shards wanted to walk at once
    expect(taken).toBe(usersPages(t).filter((e) => e.status === 200).length);
  });

  it('resumes after a crash mid-walk: each shard from its cursor, no finished page read again', async () => {
    t.sim.requestLog.length = 0;
    t.sim.state.setFaults('users:500:skip=25');
    const first = await extract(t, 'crash', SHARDED);
    await expect(first.run).rejects.toThrow();
    const before = usersPages(t).filter((e) => e.status === 200);
    expect(before.length).toBeGreaterThanOrEqual(20);
    const shardsDir = usersShardsDir(runStagingDir(t.dataDir, t.sim.tenantId, 'crash'));
    expect(existsSync(path.join(shardsDir, 'plan.json'))).toBe(true);
    t.sim.state.setFaults('');
    t.sim.requestLog.length = 0;
    const retry = await extract(t, 'crash', SHARDED, { heartbeatDetails: first.beats.at(-1) });
    const staged = await retry.run;
    expect([...stagedUsers(staged.path).keys()].sort()).toEqual([...plain.keys()].sort());
    const after = usersPages(t).filter((e) => e.status === 200);
    const fetchedBefore = new Set(before.map((e) => e.path));
    expect(after.filter((e) => fetchedBefore.has(e.path))).toEqual([]);
    // No count again: the plan on disk holds it.
    expect(t.sim.requestLog.some((e) => e.path === '/v1.0/users/$count')).toBe(false);
  });

  it('restarts only the shard whose skip token expired', async () => {
    t.sim.requestLog.length = 0;
    t.sim.state.setFaults('users:expired:after=1');
    try {
      const staged = await (await extract(t, 'expired', SHARDED)).run;
      expect([...stagedUsers(staged.path).keys()].sort()).toEqual([...plain.keys()].sort());
    } finally {
      t.sim.state.setFaults('');
    }
    const pages = usersPages(t);
    const expired = pages.filter((e) => e.status === 400);
    expect(expired).toHaveLength(1);
    const restarted = filterOf(expired[0]!.path)!;
    const firstPages = pages.filter((e) => e.status === 200 && !/skiptoken/i.test(e.path));
    const starts = new Map<string, number>();
    for (const e of firstPages) starts.set(filterOf(e.path)!, (starts.get(filterOf(e.path)!) ?? 0) + 1);
    expect(starts.size).toBe(36);
    for (const [prefix, n] of starts) expect(n, prefix).toBe(prefix === restarted ? 2 : 1);
  });

  it('never shards a walk that reads sign-ins: those pages stay under the one sign-in limiter', async () => {
    t.sim.state.setRoles([...DEFAULT_ROLES, 'AuditLog.Read.All']);
    t.sim.requestLog.length = 0;
    try {
      // A token minted after the grant.
      const staged = await (await extract({ ...t, graphFor: graphForSim(t.sim, t.dataDir) }, 'signin', SHARDED, { signIn: true })).run;
      expect(staged.signIn.available).toBe(true);
      expect(staged.count).toBe(3000);
    } finally {
      t.sim.state.setRoles([...DEFAULT_ROLES]);
    }
    const log = t.sim.requestLog.filter((e) => e.endpoint === 'users');
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((e) => filterOf(e.path) === undefined && e.path !== '/v1.0/users/$count')).toBe(true);
  });
});

describe('the sign-in budget', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await tenant({ users: 3000, seed: 243, roles: [...DEFAULT_ROLES, 'AuditLog.Read.All'] });
  });
  afterAll(() => closeTenant(t));

  it('walks a tenant too large to read its sign-ins in time without them, in shards, and says why; within the budget it reads them', async () => {
    // 3,000 users in sign-in pages of 100 at Graph's 10 a minute: 3 minutes.
    t.sim.requestLog.length = 0;
    const over = await (await extract(t, 'over-budget', SHARDED, { signIn: true, signInBudgetMinutes: 2 })).run;
    expect(over.signIn).toEqual({ requested: true, available: false, reason: 'over_sign_in_budget' });
    expect(over.count).toBe(3000);
    const pages = usersPages(t);
    expect(pages.some((e) => /signInActivity/i.test(decodeURIComponent(e.path)))).toBe(false);
    expect(pages.some((e) => filterOf(e.path) !== undefined)).toBe(true);
    // Counted once: the size before any walk is also what the shards are checked against.
    expect(t.sim.requestLog.filter((e) => e.path === '/v1.0/users/$count')).toHaveLength(1);

    t.sim.requestLog.length = 0;
    const within = await (await extract(t, 'within-budget', SHARDED, { signIn: true, signInBudgetMinutes: 5 })).run;
    expect(within.signIn).toEqual({ requested: true, available: true, reason: null });
    expect(usersPages(t).every((e) => /signInActivity/i.test(decodeURIComponent(e.path)))).toBe(true);
    expect(t.sim.requestLog.some((e) => e.path === '/v1.0/users/$count')).toBe(false); // the last walk's size
  });
});

describe('a tenant with UPNs no shard covers', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await tenant({ users: 2500, seed: 242, underscoreUpns: 0.02 });
  });
  afterAll(() => closeTenant(t));

  it('falls back to the plain walk, still stages everyone, and walks in one sequence on the next runs', async () => {
    const expected = t.sim.state.liveCount;
    const underscored = Array.from({ length: t.sim.state.userCount }, (_, i) => t.sim.state.userAt(i).userPrincipalName).filter((u) => u.startsWith('_'));
    expect(underscored.length).toBeGreaterThan(10);
    logged.length = 0;
    const staged = await (await extract(t, 'gap', SHARDED)).run;
    expect(staged.count).toBe(expected);
    const why = logged.find((l) => l.level === 'WARN' && /fewer users than GET \/users\/\$count/.test(l.message));
    expect(why?.meta).toMatchObject({ counted: expected, tolerance: 2 });
    expect(why?.meta?.found).toBe(expected - underscored.length);
    const { ids } = stagedUserIds(staged.path);
    expect(new Set(ids).size).toBe(expected);
    expect(ids).toHaveLength(expected);
    const log = usersPages(t);
    const lastFiltered = log.map((e) => filterOf(e.path) !== undefined).lastIndexOf(true);
    expect(lastFiltered).toBeGreaterThan(0);
    expect(log.slice(lastFiltered + 1).every((e) => filterOf(e.path) === undefined)).toBe(true);
    expect(log.slice(lastFiltered + 1).length).toBe(Math.ceil(expected / SMALL_PAGES.users));
    expect(existsSync(usersShardsDir(runStagingDir(t.dataDir, t.sim.tenantId, 'gap')))).toBe(false);
    expect(JSON.parse(readFileSync(walkMemoryFile(t.dataDir, t.sim.tenantId), 'utf8'))).toMatchObject({ users: expected, sequentialRuns: 6 });

    // The next run remembers: no count, no shards.
    t.sim.requestLog.length = 0;
    expect((await (await extract(t, 'gap-next', SHARDED)).run).count).toBe(expected);
    expect(t.sim.requestLog.filter((e) => e.endpoint === 'users').every((e) => filterOf(e.path) === undefined && e.path !== '/v1.0/users/$count')).toBe(true);
    expect(JSON.parse(readFileSync(walkMemoryFile(t.dataDir, t.sim.tenantId), 'utf8'))).toMatchObject({ sequentialRuns: 5 });
  });
});

describe('merging the shards', () => {
  it('stages a user two shards saw (renamed between their reads) once, and links untouched pages', async () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'm365-merge-'));
    try {
      const page = (file: string, ids: string[]) => {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify({ '@odata.context': 'users', value: ids.map((id) => ({ id, userPrincipalName: `${id}@x` })) }));
      };
      page(path.join(shardDir(runDir, 'a'), 'page-0001.json'), ['u1', 'u2']);
      page(path.join(shardDir(runDir, 'b'), 'page-0001.json'), ['u2', 'u3']);
      page(path.join(shardDir(runDir, 'b'), 'page-0002.json'), ['u2']);
      page(path.join(shardDir(runDir, 'c'), 'page-0001.json'), []);
      const merged = await mergeShards(runDir, ['a', 'b', 'c']);
      expect(merged).toEqual({ pages: 2, count: 3, duplicates: 2 });
      const { ids, pages } = stagedUserIds(path.join(runDir, 'users'));
      expect(ids).toEqual(['u1', 'u2', 'u3']);
      expect(pages).toEqual([1, 2]);
      expect(statSync(path.join(runDir, 'users', 'page-0001.json')).ino).toBe(statSync(path.join(shardDir(runDir, 'a'), 'page-0001.json')).ino);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
