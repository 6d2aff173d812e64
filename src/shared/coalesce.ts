// One job run on behalf of many callers: each caller waits for a run that began after it asked, and runs follow one
// another back to back, so callers arriving while one runs share the next. The warehouse writer publishes this way
// (many tenants' loads, one copy of the working file) and writes the report after a publish this way.

/** What a caller gets: the run's result, how many callers it served, and whether this caller is the run's first. */
export interface Coalesced<T> {
  value: T;
  /** Callers this run served. */
  served: number;
  /** True for exactly one caller per run (the earliest), e.g. to log the run once. */
  first: boolean;
  /** Runs so far in this process, this one included. */
  runs: number;
}

interface Waiter<T> {
  ticket: number;
  resolve: (c: Coalesced<T>) => void;
  reject: (err: unknown) => void;
}

/**
 * `job` receives `snapshot`: calling it marks the moment from which the run covers nothing new (e.g. when the copy
 * of the working file begins); every caller that asked before that moment is served by this run. A job that never
 * calls it covers the callers that asked before it began.
 */
export class Coalescer<T> {
  private tickets = 0;
  private runs = 0;
  private waiters: Waiter<T>[] = [];
  private running = false;

  constructor(private readonly job: (snapshot: () => void) => Promise<T>) {}

  /** Resolves with a run that began (its snapshot taken) after this call; rejects with that run's error. */
  request(): Promise<Coalesced<T>> {
    const ticket = ++this.tickets;
    const done = new Promise<Coalesced<T>>((resolve, reject) => this.waiters.push({ ticket, resolve, reject }));
    if (!this.running) void this.loop();
    return done;
  }

  /** Runs completed in this process (successful or not). */
  get count(): number {
    return this.runs;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length > 0) {
        let covered = this.tickets;
        let outcome: { ok: true; value: T } | { ok: false; err: unknown };
        try {
          outcome = { ok: true, value: await this.job(() => (covered = this.tickets)) };
        } catch (err) {
          outcome = { ok: false, err };
        }
        this.runs++;
        const served = this.waiters.filter((w) => w.ticket <= covered);
        this.waiters = this.waiters.filter((w) => w.ticket > covered);
        served.forEach((w, i) => {
          if (outcome.ok) w.resolve({ value: outcome.value, served: served.length, first: i === 0, runs: this.runs });
          else w.reject(outcome.err);
        });
      }
    } finally {
      this.running = false;
    }
  }
}
