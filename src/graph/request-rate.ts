// The signInActivity pace shared by every worker process on every host that mounts the same data directory (the
// staging volume they must share anyway): one token bucket whose state is a small file, changed under a lock
// directory. Each caller reserves its slot under the lock and then waits outside it, so callers never herd and
// the app as a whole stays under Graph's 10 sign-in pages a minute, however many workers run.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface BucketState {
  /** Tokens left after the last reservation; negative when later callers hold reservations still to come. */
  tokens: number;
  /** When `tokens` was computed (ms since the epoch; hosts keep their clocks in step with NTP). */
  at: number;
}

/** Where the workers sharing `dataDir` keep the sign-in pace. */
export const signInPaceFile = (dataDir: string): string => path.join(dataDir, 'limits', 'sign-in-pages.json');

/** A lock held longer than this was left by a process that died inside it (the section takes milliseconds). */
const STALE_LOCK_MS = 10_000;

export class RequestRate {
  private readonly lockDir: string;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `perMinute` requests a minute for every process sharing `stateFile`, bursts up to `burst` (one less than Graph's
   * sign-in bucket of 10, as the in-process pace does). 0 = unlimited.
   */
  constructor(
    readonly stateFile: string,
    readonly perMinute: number,
    readonly burst: number = Math.max(1, Math.min(perMinute, 10) - 1),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.lockDir = `${stateFile}.lock`;
  }

  /** Waits until one more request is allowed across every process sharing the state file. */
  async take(): Promise<void> {
    if (this.perMinute <= 0) return;
    // This process's callers reserve one at a time, so they do not contend for the lock with each other.
    const reserved = this.queue.then(() => this.reserve());
    this.queue = reserved.catch(() => undefined);
    const waitMs = await reserved;
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /** Takes a token, or the next slot after those already reserved; returns how long to wait for it. */
  private async reserve(): Promise<number> {
    await this.lock();
    try {
      const now = Date.now();
      const perMs = this.perMinute / 60_000;
      const state = await this.read(now);
      // A state stamped in the future (a host whose clock is ahead) refills nothing until the clocks meet.
      const tokens = Math.min(this.burst, state.tokens + Math.max(0, now - state.at) * perMs) - 1;
      await this.write({ tokens, at: Math.max(now, state.at) });
      return tokens >= 0 ? 0 : Math.ceil(-tokens / perMs);
    } finally {
      await rm(this.lockDir, { recursive: true, force: true });
    }
  }

  /** A missing file is a full bucket; an unreadable one an empty bucket (slower, never faster than allowed). */
  private async read(now: number): Promise<BucketState> {
    let text: string;
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { tokens: this.burst, at: now };
      throw err;
    }
    try {
      const s = JSON.parse(text) as Partial<BucketState>;
      if (typeof s.tokens === 'number' && Number.isFinite(s.tokens) && typeof s.at === 'number' && Number.isFinite(s.at)) {
        return { tokens: Math.min(s.tokens, this.burst), at: s.at };
      }
    } catch {
      // fall through: treated as empty
    }
    return { tokens: 0, at: now };
  }

  private async write(state: BucketState): Promise<void> {
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
    await rename(tmp, this.stateFile);
  }

  /** mkdir is atomic on local disks and NFS alike: whoever creates the directory holds the lock. */
  private async lock(): Promise<void> {
    await mkdir(path.dirname(this.stateFile), { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(this.lockDir, { mode: 0o700 });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const age = await stat(this.lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) {
        await rm(this.lockDir, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, Math.min(50, 5 + attempt * 5) * (0.5 + Math.random())));
    }
  }
}
