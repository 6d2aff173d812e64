// The delta-maintained roster against full walks of the same simulated days: after several days of hires, leavers,
// licence changes and disabled accounts, the roster kept by users/delta equals a full walk, row for row.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenProvider } from '../../../src/graph';
import { GraphClient } from '../../../src/graph/client';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';
import { USER_SELECT } from '../../../src/activities/extract';
import {
  applyDelta,
  deltaFiles,
  DeltaResyncNeeded,
  followDelta,
  latestDeltaLink,
  readDeltaState,
  rosterFromPages,
  saveDeltaState,
  stageRoster,
} from '../../../src/activities/users-delta';

const TODAY = '2025-03-01';
const CHURN = 'hiresPerDay=0.01,leaversPerDay=0.01,licenceChangesPerDay=0.02,disabledPerDay=0.005';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function day(n: number): Promise<{ sim: SimulatorHandle; graph: GraphClient }> {
  const sim = await startSimulator({ users: 2000, seed: 31, today: TODAY, day: n, churn: CHURN });
  open.push(sim);
  const tokens = new TokenProvider({ tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.authorityHost, caPem: sim.caPem });
  open.push(tokens);
  const graph = new GraphClient({ graphUrl: sim.graphUrl, tokens, caPem: sim.caPem });
  open.push(graph);
  return { sim, graph };
}

/** A full walk of /users, as the extract does it, sorted by id. */
async function fullWalk(graph: GraphClient): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let next: string | undefined = `/v1.0/users?$select=${USER_SELECT}&$top=999`;
  while (next) {
    const page: { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string } = await graph.getJson(next);
    out.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return out.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

const sorted = (roster: Map<string, string>) => [...roster.values()].map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe('the roster kept by users/delta', () => {
  it('equals a full walk of the same simulated day, row for row, day after day', async () => {
    const files = deltaFiles(mkdtempSync(path.join(os.tmpdir(), 'delta-')), 'tenant-a');
    const d0 = await day(0);
    // Day 0: the initial sync (duplicates across pages are upserted by id) equals the full walk too.
    const initial = await followDelta(d0.graph, `/v1.0/users/delta?$select=${USER_SELECT}`);
    const walk0 = await fullWalk(d0.graph);
    expect(initial.pages).toBeGreaterThan(walk0.length / 200);
    expect([...initial.changes.values()].sort((a, b) => String(a!.id).localeCompare(String(b!.id)))).toEqual(walk0);
    await saveDeltaState(files, new Map(walk0.map((u) => [String(u.id), JSON.stringify(u)])), { deltaLink: await latestDeltaLink(d0.graph, USER_SELECT), deltaRuns: 0 });
    let changed = 0;
    for (let n = 1; n <= 6; n++) {
      const { graph } = await day(n);
      const state = (await readDeltaState(files))!;
      const delta = await followDelta(graph, state.deltaLink);
      changed += delta.changes.size;
      const roster = await applyDelta(files, delta.changes);
      await saveDeltaState(files, roster, { deltaLink: delta.deltaLink, deltaRuns: state.deltaRuns + 1 });
      expect(sorted(roster), `day ${n}`).toEqual(await fullWalk(graph));
    }
    // Days moved: hires, leavers and changes came through delta, a few percent of the roster a day.
    expect(changed).toBeGreaterThan(100);
    expect(changed).toBeLessThan(6 * 2000 * 0.2);
    // The kept roster stages as ordinary users pages the warehouse reads.
    const usersDir = path.join(files.dir, 'stage-test', 'users');
    const pages = await stageRoster(await applyDelta(files, new Map()), usersDir, (p) => path.join(usersDir, `page-${String(p).padStart(4, '0')}.json`), 500);
    expect(pages.length).toBeGreaterThan(3);
    expect((await rosterFromPages(usersDir)).size).toBe((await applyDelta(files, new Map())).size);
  });

  it('asks for a full resync when the link is older than 7 days (syncStateNotFound) or Graph answers 410', async () => {
    const d0 = await day(0);
    const link = await latestDeltaLink(d0.graph, USER_SELECT);
    const d8 = await day(8);
    const err = await followDelta(d8.graph, link).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaResyncNeeded);
    expect((err as Error).message).toMatch(/syncStateNotFound/);
    const d3 = await day(3);
    d3.sim.state.deltaGone = true;
    await expect(followDelta(d3.graph, link)).rejects.toThrow(/full resync \(Gone\)/);
    // The next use of a valid link works again.
    expect((await followDelta(d3.graph, link)).changes.size).toBeGreaterThan(0);
  });

  it("users/delta refuses signInActivity with Graph's 400 and ignores $top", async () => {
    const { graph } = await day(0);
    await expect(graph.getJson('/v1.0/users/delta?$select=id,signInActivity')).rejects.toThrow(/HTTP 400/);
    const page: { value: unknown[] } = await graph.getJson('/v1.0/users/delta?$select=id&$top=999');
    expect(page.value).toHaveLength(200);
  });
});
