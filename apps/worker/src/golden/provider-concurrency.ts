/** A counting semaphore: at most `limit` holders at once, the rest queue in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get inFlight(): number {
    return this.active;
  }
}

/**
 * Bounds the golden calls one worker process has in flight per provider, on top of the queue's own
 * concurrency, so a run over several models of one provider does not spend that provider's whole
 * rate limit while the others idle. Models the map does not know share one slot pool of their own.
 */
export class ProviderConcurrency {
  private readonly semaphores = new Map<string, Semaphore>();

  constructor(
    private readonly providerOf: ReadonlyMap<string, string>,
    private readonly perProvider: number,
  ) {
    if (!(perProvider >= 1)) throw new RangeError(`perProvider must be at least 1, got ${perProvider}`);
  }

  run<T>(model: string, task: () => Promise<T>): Promise<T> {
    return this.semaphore(this.providerOf.get(model) ?? '(unknown)').run(task);
  }

  /** Calls in flight to the provider right now. */
  inFlight(provider: string): number {
    return this.semaphores.get(provider)?.inFlight ?? 0;
  }

  private semaphore(provider: string): Semaphore {
    let s = this.semaphores.get(provider);
    if (!s) {
      s = new Semaphore(this.perProvider);
      this.semaphores.set(provider, s);
    }
    return s;
  }
}
