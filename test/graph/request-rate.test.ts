// The signInActivity pace every worker sharing a data directory keeps together: a token bucket in a file.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RequestRate, signInPaceFile } from '../../src/graph/request-rate';

const root = mkdtempSync(path.join(os.tmpdir(), 'request-rate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const stateFile = () => signInPaceFile(path.join(root, `d${n++}`));

/** The most permits granted inside any window of `ms` milliseconds. */
function busiestWindow(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('RequestRate (the signInActivity pace shared through the data directory)', () => {
  it('lets a burst through, then spaces requests at the rate, in order', async () => {
    const rate = new RequestRate(stateFile(), 600, 3); // 10 a second after a burst of 3
    const t0 = Date.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => rate.take().then(() => done.push(i))));
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280); // 3 beyond the burst at 100 ms each
  });

  it('holds the rate for several paces on one state file, as worker processes on several hosts would be', async () => {
    const file = stateFile();
    const paces = [0, 1, 2].map(() => new RequestRate(file, 600, 3));
    const granted: number[] = [];
    const t0 = Date.now();
    await Promise.all(paces.flatMap((p) => Array.from({ length: 6 }, () => p.take().then(() => granted.push(Date.now())))));
    // 18 permits: 3 at once, then 15 at 10 a second. Three separate in-process paces would have taken about 0.3 s.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    // In any second, at most the burst plus a second's worth (slack for timers a loaded machine fires late, together).
    expect(busiestWindow(granted, 1000)).toBeLessThanOrEqual(3 + 10 + 3);
  });

  it('shares the bucket with another process', async () => {
    const file = stateFile();
    // The child takes 8 permits once told to go, printing the time of each.
    const script = `import { createInterface } from 'node:readline';
      const { RequestRate } = await import(${JSON.stringify(path.resolve('src/graph/request-rate.ts'))});
      const r = new RequestRate(${JSON.stringify(file)}, 600, 3);
      console.log('ready');
      await new Promise((go) => createInterface({ input: process.stdin }).once('line', go));
      for (let i = 0; i < 8; i++) { await r.take(); console.log(Date.now()); }
      process.exit(0);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (b: Buffer) => {
        lines.push(...b.toString().split('\n').filter(Boolean));
        if (lines.includes('ready')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await ready;
    child.stdin.write('go\n');
    const mine = new RequestRate(file, 600, 3);
    const granted: number[] = [];
    for (let i = 0; i < 8; i++) {
      await mine.take();
      granted.push(Date.now());
    }
    expect(await exited).toBe(0);
    const theirs = lines.filter((l) => l !== 'ready').map(Number);
    expect(theirs).toHaveLength(8);
    const all = [...granted, ...theirs];
    // 16 permits from two processes: 3 at once, then 13 at 10 a second, never more than that in any second.
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThanOrEqual(1200);
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(3 + 10 + 3);
  });

  it('breaks a lock left by a process that died holding it, and reads a damaged state as an empty bucket', async () => {
    const file = stateFile();
    mkdirSync(`${file}.lock`, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    writeFileSync(file, 'not json');
    const rate = new RequestRate(file, 600, 3);
    const t0 = Date.now();
    await rate.take();
    // An empty bucket: the first permit waited for a token instead of taking the burst.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });

  it('0 means no limit', async () => {
    const rate = new RequestRate(stateFile(), 0);
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) await rate.take();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
