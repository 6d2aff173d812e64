// A client-side token bucket for a limit Graph counts per app: signInActivity pages (10 a minute per app, across
// tenants). One per worker process, shared by every activity in it, so a worker never sends more than the limit
// and its own requests do not turn into 429s. Across hosts the limit must be shared another way (docs/graph.md).

export class RequestRate {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  /**
   * `perMinute` requests a minute, bursts up to `burst` (default one less than Graph's sign-in bucket of 10: Graph's
   * bucket starts when a request arrives, ours when it leaves, and the first request also waits for a token; a scaled
   * test clock raises the rate, never the bucket). 0 = unlimited.
   */
  constructor(
    readonly perMinute: number,
    readonly burst: number = Math.max(1, Math.min(perMinute, 10) - 1),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = burst;
  }

  /** Waits until one more request is allowed; callers are served in order. */
  take(): Promise<void> {
    if (this.perMinute <= 0) return Promise.resolve();
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(): Promise<void> {
    const perMs = this.perMinute / 60_000;
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * perMs);
    this.last = now;
    if (this.tokens < 1) {
      const ms = Math.ceil((1 - this.tokens) / perMs);
      await this.sleep(ms);
      this.tokens = 1;
      this.last = Date.now();
    }
    this.tokens -= 1;
  }
}
