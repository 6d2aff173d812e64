// The coalescer behind batched publishes: a caller is served only by a run that began after it asked, runs never
// overlap, callers arriving during a run share the next one, and a failed run fails exactly the callers it covered.
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/shared/coalesce';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Coalescer', () => {
  it('serves callers that arrive during a run with one next run, never overlapping runs', async () => {
    let state = 0;
    let active = 0;
    let maxActive = 0;
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const c = new Coalescer(async (snapshot) => {
      active++;
      maxActive = Math.max(maxActive, active);
      snapshot();
      const seen = state;
      await gate; // the first run stays under way until every later caller has asked
      active--;
      return seen;
    });
    state = 1;
    const first = c.request();
    await tick();
    const later: Array<ReturnType<typeof c.request>> = [];
    for (let i = 2; i <= 6; i++) {
      state = i;
      later.push(c.request());
    }
    release();
    const a = await first;
    const rest = await Promise.all(later);
    expect(a).toMatchObject({ value: 1, served: 1, first: true, runs: 1 });
    // Every later caller saw a run that began after it asked: the one that saw state 6.
    expect(rest.map((r) => r.value)).toEqual([6, 6, 6, 6, 6]);
    expect(rest.map((r) => r.served)).toEqual([5, 5, 5, 5, 5]);
    expect(rest.filter((r) => r.first)).toHaveLength(1);
    expect(c.count).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('a caller asking after the snapshot waits for the next run, even if the run had begun', async () => {
    let release = () => {};
    let state = 0;
    const c = new Coalescer(async (snapshot) => {
      await new Promise<void>((r) => (release = r));
      snapshot();
      const seen = state;
      await tick();
      return seen;
    });
    const early = c.request();
    await tick();
    state = 1;
    const beforeSnapshot = c.request(); // the run began but has not taken its snapshot: it covers this caller
    release();
    await tick();
    await tick();
    state = 2;
    const afterSnapshot = c.request();
    await tick();
    release();
    expect((await early).value).toBe(1);
    expect((await beforeSnapshot).value).toBe(1);
    expect((await afterSnapshot).value).toBe(2);
  });

  it('a failed run rejects the callers it covered; the next caller gets a fresh run', async () => {
    let fail = true;
    const c = new Coalescer(async () => {
      await tick();
      if (fail) throw new Error('disk full');
      return 'ok';
    });
    const a = c.request();
    const b = c.request();
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
    fail = false;
    await expect(c.request()).resolves.toMatchObject({ value: 'ok', served: 1 });
  });
});
