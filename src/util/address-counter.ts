// Counts what each client holds open (connections, sessions) by the key a cap uses: the address, or for IPv6
// its /64 (one host is commonly given a whole /64, so counting IPv6 per address would cap nothing). Addresses
// of trusted reverse proxies are not capped per address: everyone behind them shares theirs.
import { isIPv6 } from 'node:net';
import { addressKey, networkKey, plainAddress } from './network-key.ts';

export function capKey(address: string): string {
  const a = plainAddress(address);
  return isIPv6(a) ? networkKey(a) : addressKey(a);
}

export class AddressCounter {
  #counts = new Map<string, number>();
  #total = 0;
  #exempt: Set<string>;

  constructor(exempt: string[] = []) {
    this.#exempt = new Set(exempt.map(plainAddress));
  }

  get total(): number {
    return this.#total;
  }

  /** Held by the key of `address` (0 for an exempt one). */
  count(address: string): number {
    return this.#exempt.has(plainAddress(address)) ? 0 : (this.#counts.get(capKey(address)) ?? 0);
  }

  /** Counts one more for `address`; the returned release is idempotent. */
  add(address: string): () => void {
    const key = this.#exempt.has(plainAddress(address)) ? null : capKey(address);
    if (key) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      if (!key) return;
      const n = (this.#counts.get(key) ?? 1) - 1;
      if (n > 0) this.#counts.set(key, n);
      else this.#counts.delete(key);
    };
  }
}
