// Wrong passcodes are limited per client address and per room, not per socket (fresh sockets are free): after a
// few free failures each further one doubles the wait. While a key waits, every attempt is refused unchecked
// (also a right passcode: otherwise the wait would not slow guessing).
import { AppError } from '../util/errors.ts';

export interface PasscodeGuardOptions {
  /** Wrong passcodes from one address before the back-off starts (default 5). */
  addressFree?: number;
  /** Failures against one room, from anywhere, before back-off (default 20). */
  roomFree?: number;
  /** First wait after the free failures, ms, doubled per failure (default 1000). */
  baseMs?: number;
  /** Longest wait, ms (default 10 min for an address, 1 min for a room). */
  addressMaxMs?: number;
  roomMaxMs?: number;
  /** Failures are forgotten after this long without one, ms (default 15 min). */
  forgetMs?: number;
  now?: () => number;
}

interface Record {
  failures: number;
  blockedUntil: number;
  lastAt: number;
}

/** Entries kept before the oldest are dropped (a flood of addresses cannot grow memory without bound). */
const MAX_ENTRIES = 10_000;

export class PasscodeGuard {
  #opts: Required<PasscodeGuardOptions>;
  #records = new Map<string, Record>();

  constructor(opts: PasscodeGuardOptions = {}) {
    this.#opts = {
      addressFree: opts.addressFree ?? 5,
      roomFree: opts.roomFree ?? 20,
      baseMs: opts.baseMs ?? 1000,
      addressMaxMs: opts.addressMaxMs ?? 600_000,
      roomMaxMs: opts.roomMaxMs ?? 60_000,
      forgetMs: opts.forgetMs ?? 900_000,
      now: opts.now ?? Date.now,
    };
  }

  /** Throws RATE_LIMITED (with retryAfterMs) while the address or the room waits. */
  check(address: string, room: string): void {
    const now = this.#opts.now();
    const wait = Math.max(this.#waitOf(`a:${address}`, now), this.#waitOf(`r:${room}`, now));
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', `too many wrong passcodes; retry in ${Math.ceil(wait / 1000)} s`, {
        retryAfterMs: wait,
      });
    }
  }

  failed(address: string, room: string): void {
    const o = this.#opts;
    this.#fail(`a:${address}`, o.addressFree, o.addressMaxMs);
    this.#fail(`r:${room}`, o.roomFree, o.roomMaxMs);
  }

  /** A right passcode clears the address's failures (the room's stay: others may be guessing). */
  succeeded(address: string): void {
    this.#records.delete(`a:${address}`);
  }

  #waitOf(key: string, now: number): number {
    const r = this.#records.get(key);
    if (!r) return 0;
    if (now - r.lastAt > this.#opts.forgetMs) {
      this.#records.delete(key);
      return 0;
    }
    return Math.max(0, r.blockedUntil - now);
  }

  #fail(key: string, free: number, maxMs: number): void {
    const now = this.#opts.now();
    const r = this.#records.get(key) ?? { failures: 0, blockedUntil: 0, lastAt: now };
    r.failures++;
    r.lastAt = now;
    if (r.failures >= free)
      r.blockedUntil = now + Math.min(maxMs, this.#opts.baseMs * 2 ** (r.failures - free));
    this.#records.delete(key);
    this.#records.set(key, r); // most recent last
    if (this.#records.size > MAX_ENTRIES) {
      const oldest = this.#records.keys().next().value;
      if (oldest !== undefined) this.#records.delete(oldest);
    }
  }
}
