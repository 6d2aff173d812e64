// A counting semaphore: at most `size` holders at once, the rest wait in arrival order. A Graph worker holds one slot
// per users page from its request until the page is on disk, so the pages it holds follow this number, not how many
// tenants and shards are walking at once.

export class Slots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`Slots needs a whole number of at least 1, not ${size}.`);
  }

  /** Slots held right now. */
  get inUse(): number {
    return this.held;
  }

  /** Runs `work` holding one slot; the slot is released however `work` ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held < this.size) this.held++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Handed straight to the next waiter (the count stays), else given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    }
  }
}
