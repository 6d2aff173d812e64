// The Temporal CLI's first build: one line updated in place on a terminal, a line every 10 s in logs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BuildProgress } from '../../src/temporal/cli-binary';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('BuildProgress', () => {
  it('on a terminal rewrites one line with \\r and ends it with a newline', () => {
    const writes: string[] = [];
    const logged: string[] = [];
    const p = new BuildProgress({ isTTY: true, write: (t) => writes.push(t) }, (l) => logged.push(l)).start();
    for (let i = 0; i < 500; i++) {
      p.step(1);
      vi.advanceTimersByTime(20); // 10 s of go output, a line every 20 ms
    }
    p.done();
    expect(logged).toEqual([]);
    const text = writes.join('');
    expect(text.split('\n')).toHaveLength(2); // one line, then the newline from done()
    expect(text.endsWith('\n')).toBe(true);
    expect(writes.every((w) => w === '\n' || w.startsWith('\r'))).toBe(true);
    // Throttled: about 10 redraws a second, not one per go line.
    expect(writes.length).toBeLessThan(120);
    expect(writes.at(-2)).toBe('\r  ... 500 steps, 10 s\u001b[K');
  });

  it('elsewhere prints a plain line every 10 s, however much go prints', () => {
    const writes: string[] = [];
    const logged: string[] = [];
    const p = new BuildProgress({ isTTY: false, write: (t) => writes.push(t) }, (l) => logged.push(l)).start();
    for (let i = 0; i < 3_000; i++) {
      p.step(1);
      vi.advanceTimersByTime(10); // 30 s
    }
    p.done();
    vi.advanceTimersByTime(60_000); // stopped: nothing more
    expect(writes).toEqual([]);
    expect(logged).toEqual(['  ... 1000 steps, 10 s', '  ... 2000 steps, 20 s', '  ... 3000 steps, 30 s']);
  });

  it('keeps a terminal line moving while go is silent (a long compile)', () => {
    const writes: string[] = [];
    const p = new BuildProgress({ isTTY: true, write: (t) => writes.push(t) }, () => undefined).start();
    p.step(3);
    vi.advanceTimersByTime(5_000);
    p.done();
    expect(writes.filter((w) => w.startsWith('\r')).at(-1)).toBe('\r  ... 3 steps, 5 s\u001b[K');
  });
});
