// What starting an agent costs a participant: a token bucket per participant (a few starts at once, then one per
// refill period). Starting an agent is seconds of CPU for the whole server; a socket toggling eye contact every
// 250 ms started 46 processes in 20 s within the request rate limit. Crash restarts do not pay: they have their
// own back-off and cap.

export interface StartCostOptions {
  /** Starts a participant may make at once. Default 3. */
  burst?: number;
  /** One more start is earned this often. Default 10 s. */
  refillMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class StartBudget {
  readonly burst: number;
  readonly refillMs: number;
  #buckets = new Map<string, Bucket>();

  constructor(opts: StartCostOptions = {}) {
    this.burst = Math.max(1, opts.burst ?? 3);
    this.refillMs = Math.max(1, opts.refillMs ?? 10_000);
  }

  #level(key: string, now: number): Bucket {
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / this.refillMs);
    b.at = now;
    return b;
  }

  /** Takes one start for `key`: 0 when taken, else the ms until one is earned (nothing taken). */
  take(key: string, now = Date.now()): number {
    const b = this.#level(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.#buckets.set(key, b);
      return 0;
    }
    this.#buckets.set(key, b);
    return Math.ceil((1 - b.tokens) * this.refillMs);
  }

  /** Forgets full buckets (they are the default): memory stays bounded by the participants who spent lately. */
  prune(now = Date.now()): void {
    for (const [k, b] of this.#buckets)
      if (b.tokens + (now - b.at) / this.refillMs >= this.burst) this.#buckets.delete(k);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
