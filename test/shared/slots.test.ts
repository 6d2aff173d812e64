// The worker's bound on work held at once: never more than its size, waiters served in arrival order, a slot
// given back however the work ends.
import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/shared/slots';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Slots', () => {
  it('runs at most `size` at once and every piece of work to its end, in arrival order', async () => {
    const slots = new Slots(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        slots.run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(slots.inUse).toBe(0);
  });

  it('gives the slot back when the work throws, and the next waiter gets it', async () => {
    const slots = new Slots(1);
    const failing = slots.run(async () => {
      await tick();
      throw new Error('page refused');
    });
    const next = slots.run(async () => 'next ran');
    await expect(failing).rejects.toThrow('page refused');
    await expect(next).resolves.toBe('next ran');
    expect(slots.inUse).toBe(0);
  });

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => new Slots(0)).toThrow(/at least 1/);
    expect(() => new Slots(1.5)).toThrow(/at least 1/);
  });
});
