// Doubling back-off after a few free failures, and a bounded table of such records that cannot be flushed: a
// record in back-off is never dropped to make room for a fresh one, so a flood of new keys (addresses, rooms)
// evicts only other quiet records. Both tiers are bounded, so memory is too.

export interface BackoffPolicy {
  /** Failures before the back-off starts. */
  free: number;
  /** First wait after the free failures, ms, doubled per further failure. */
  baseMs: number;
  /** Longest wait, ms. */
  maxMs: number;
  /** Failures are forgotten after this long without one, ms. */
  forgetMs: number;
}

export class BackoffRecord {
  failures = 0;
  blockedUntil = 0;
  lastAt = 0;

  /** How long the key must still wait, ms (0: free); a record quiet for forgetMs starts over. */
  wait(now: number, policy: BackoffPolicy): number {
    if (this.failures > 0 && now - this.lastAt > policy.forgetMs) this.reset();
    return Math.max(0, this.blockedUntil - now);
  }

  fail(now: number, policy: BackoffPolicy): void {
    this.wait(now, policy);
    this.failures++;
    this.lastAt = now;
    if (this.failures >= policy.free)
      this.blockedUntil = now + Math.min(policy.maxMs, policy.baseMs * 2 ** (this.failures - policy.free));
  }

  /** Past its free failures: it is (or was recently) under attack. */
  hot(policy: BackoffPolicy): boolean {
    return this.failures >= policy.free;
  }

  reset(): void {
    this.failures = 0;
    this.blockedUntil = 0;
  }
}

export interface BackoffTableOptions {
  /** Quiet records kept (the oldest is dropped beyond). */
  maxQuiet?: number;
  /** Records in back-off kept; beyond, the one whose last failure is oldest goes (default 100,000). */
  maxHot?: number;
}

/** Records by key: `quiet` ones (still within their free failures) and `hot` ones, bounded separately. */
export class BackoffTable {
  #quiet = new Map<string, BackoffRecord>();
  #hot = new Map<string, BackoffRecord>();
  #maxQuiet: number;
  #maxHot: number;

  constructor(opts: BackoffTableOptions = {}) {
    this.#maxQuiet = opts.maxQuiet ?? 20_000;
    this.#maxHot = opts.maxHot ?? 100_000;
  }

  get size(): number {
    return this.#quiet.size + this.#hot.size;
  }

  wait(key: string, now: number, policy: BackoffPolicy): number {
    const r = this.#hot.get(key) ?? this.#quiet.get(key);
    if (!r) return 0;
    const ms = r.wait(now, policy);
    if (r.failures === 0) {
      this.#hot.delete(key);
      this.#quiet.delete(key);
    }
    return ms;
  }

  fail(key: string, now: number, policy: BackoffPolicy): void {
    const r = this.#hot.get(key) ?? this.#quiet.get(key) ?? new BackoffRecord();
    r.fail(now, policy);
    this.#hot.delete(key);
    this.#quiet.delete(key);
    // Most recent last in either map: eviction takes the first.
    if (r.hot(policy)) put(this.#hot, key, r, this.#maxHot);
    else put(this.#quiet, key, r, this.#maxQuiet);
  }

  delete(key: string): void {
    this.#hot.delete(key);
    this.#quiet.delete(key);
  }
}

function put(map: Map<string, BackoffRecord>, key: string, r: BackoffRecord, max: number): void {
  map.set(key, r);
  if (map.size <= max) return;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}
