import { describe, expect, it } from 'vitest';
import { RequestRate } from '../../src/graph/request-rate';

describe("RequestRate (the worker's signInActivity pace)", () => {
  it('lets a burst through, then spaces requests at the rate, in order', async () => {
    const rate = new RequestRate(600, 3); // 10 a second after a burst of 3
    const t0 = Date.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => rate.take().then(() => done.push(i))));
    const took = Date.now() - t0;
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(took).toBeGreaterThanOrEqual(280); // 3 beyond the burst at 100 ms each
    expect(took).toBeLessThan(1000);
  });
  it('0 means no limit', async () => {
    const rate = new RequestRate(0);
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) await rate.take();
    expect(Date.now() - t0).toBeLessThan(50);
  });
});
