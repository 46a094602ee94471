// Wrong passcodes are limited per client address, per client network (IPv4 /24, IPv6 /64: one host often holds
// a whole /64) and per room, not per socket (fresh sockets are free): after a few free failures each further one
// doubles the wait. While a key waits, every attempt is refused unchecked (also a right passcode: otherwise the
// wait would not slow guessing). A room's record lives in the room, for its whole life; address and network
// records live in a bounded table that never drops a record in back-off for a fresh one (util/backoff.ts), so
// no flood of other guesses resets either. A right passcode resets nothing: the passcode of the guesser's own
// room would otherwise wipe its failures between guesses.

import { type BackoffPolicy, type BackoffRecord, BackoffTable } from '../util/backoff.ts';
import { AppError } from '../util/errors.ts';
import { addressKey, networkKey } from '../util/network-key.ts';

export interface PasscodeGuardOptions {
  /** Wrong passcodes from one address before the back-off starts (default 5). */
  addressFree?: number;
  /** From one network (/24, /64), before back-off (default 20). */
  networkFree?: number;
  /** Failures against one room, from anywhere, before back-off (default 20). */
  roomFree?: number;
  /** First wait after the free failures, ms, doubled per failure (default 1000). */
  baseMs?: number;
  /** Longest wait, ms (default 10 min for an address or a network, 1 min for a room). */
  addressMaxMs?: number;
  roomMaxMs?: number;
  /** Failures are forgotten after this long without one, ms (default 15 min). */
  forgetMs?: number;
  /** Quiet address/network records kept (default 20,000; records in back-off are kept apart). */
  maxRecords?: number;
  now?: () => number;
}

export class PasscodeGuard {
  #now: () => number;
  #address: BackoffPolicy;
  #network: BackoffPolicy;
  #room: BackoffPolicy;
  #table: BackoffTable;

  constructor(opts: PasscodeGuardOptions = {}) {
    const baseMs = opts.baseMs ?? 1000;
    const forgetMs = opts.forgetMs ?? 900_000;
    const addressMaxMs = opts.addressMaxMs ?? 600_000;
    this.#now = opts.now ?? Date.now;
    this.#address = { free: opts.addressFree ?? 5, baseMs, maxMs: addressMaxMs, forgetMs };
    this.#network = { free: opts.networkFree ?? 20, baseMs, maxMs: addressMaxMs, forgetMs };
    this.#room = { free: opts.roomFree ?? 20, baseMs, maxMs: opts.roomMaxMs ?? 60_000, forgetMs };
    this.#table = new BackoffTable({ maxQuiet: opts.maxRecords });
  }

  /** Records in the table (rooms keep theirs). */
  get size(): number {
    return this.#table.size;
  }

  /** Throws RATE_LIMITED (with retryAfterMs) while the address, its network or the room waits. */
  check(address: string, room: BackoffRecord): void {
    const now = this.#now();
    const wait = Math.max(
      this.#table.wait(`a:${addressKey(address)}`, now, this.#address),
      this.#table.wait(`n:${networkKey(address)}`, now, this.#network),
      room.wait(now, this.#room),
    );
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', `too many wrong passcodes; retry in ${Math.ceil(wait / 1000)} s`, {
        retryAfterMs: wait,
      });
    }
  }

  failed(address: string, room: BackoffRecord): void {
    const now = this.#now();
    this.#table.fail(`a:${addressKey(address)}`, now, this.#address);
    this.#table.fail(`n:${networkKey(address)}`, now, this.#network);
    room.fail(now, this.#room);
  }
}
