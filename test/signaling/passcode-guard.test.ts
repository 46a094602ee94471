// Passcode back-off with an injected clock: per address, per network, per room across addresses, doubling,
// forgetting; and no flood of other records (the 10,013 throwaway guesses) resets a key in back-off.
import { describe, expect, it } from 'vitest';
import { PasscodeGuard } from '../../src/signaling/passcode-guard.ts';
import { BackoffRecord } from '../../src/util/backoff.ts';
import { type AppError, isAppError } from '../../src/util/errors.ts';

function refusal(f: () => void): AppError | null {
  try {
    f();
    return null;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return e;
  }
}

describe('PasscodeGuard', () => {
  it('backs off one address exponentially after its free failures', () => {
    let now = 0;
    const g = new PasscodeGuard({ addressFree: 3, roomFree: 1000, baseMs: 1000, now: () => now });
    const r = new BackoffRecord();
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => g.check('1.2.3.4', r))).toBeNull();
      g.failed('1.2.3.4', r);
    }
    const e = refusal(() => g.check('1.2.3.4', r));
    expect(e?.code).toBe('RATE_LIMITED');
    expect(e?.details?.retryAfterMs).toBe(1000);
    expect(refusal(() => g.check('5.6.7.8', r))).toBeNull(); // another address is not blocked
    now += 1000;
    expect(refusal(() => g.check('1.2.3.4', r))).toBeNull();
    g.failed('1.2.3.4', r);
    expect(refusal(() => g.check('1.2.3.4', r))?.details?.retryAfterMs).toBe(2000);
    now += 2000;
    g.failed('1.2.3.4', r);
    expect(refusal(() => g.check('1.2.3.4', r))?.details?.retryAfterMs).toBe(4000);
    // Forgotten after a quiet while.
    now += 16 * 60_000;
    expect(refusal(() => g.check('1.2.3.4', r))).toBeNull();
  });

  it('limits one room across many addresses, and leaves other rooms alone', () => {
    let now = 0;
    const g = new PasscodeGuard({ addressFree: 3, roomFree: 10, baseMs: 500, now: () => now });
    const target = new BackoffRecord();
    for (let i = 0; i < 10; i++) {
      expect(refusal(() => g.check(`10.${i}.0.1`, target))).toBeNull();
      g.failed(`10.${i}.0.1`, target);
    }
    expect(refusal(() => g.check('10.200.1.1', target))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => g.check('10.200.1.1', new BackoffRecord()))).toBeNull();
    now += 16 * 60_000;
    expect(refusal(() => g.check('10.200.1.1', target))).toBeNull();
  });

  it('limits a network as a whole: fresh addresses of one IPv6 /64 or IPv4 /24 do not help', () => {
    const g = new PasscodeGuard({ addressFree: 5, networkFree: 20, roomFree: 1e6, now: () => 0 });
    const room = () => new BackoffRecord(); // a fresh room each time: only the network can stop it
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const a = `2001:db8:1:2:${i.toString(16)}::7`;
      if (refusal(() => g.check(a, room()))) continue;
      checked++;
      g.failed(a, room());
    }
    expect(checked).toBe(20);
    // The same /64 spelt differently, and another /64 beside it.
    expect(refusal(() => g.check('2001:0db8:0001:0002:ffff:0:0:1', room()))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => g.check('2001:db8:1:3::1', room()))).toBeNull();
    for (let i = 0; i < 20; i++) g.failed(`192.0.2.${i}`, room());
    expect(refusal(() => g.check('::ffff:192.0.2.200', room()))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => g.check('192.0.3.1', room()))).toBeNull();
  });

  it('keeps a room and an address in back-off through 20,000 other records, in bounded memory', () => {
    let now = 0;
    const g = new PasscodeGuard({ maxRecords: 5000, now: () => now });
    const victim = new BackoffRecord();
    for (let i = 0; i < 25; i++) g.failed(`10.1.${i}.1`, victim);
    for (let i = 0; i < 8; i++) g.failed('10.9.9.9', new BackoffRecord());
    expect(refusal(() => g.check('10.2.2.2', victim))?.code).toBe('RATE_LIMITED');
    // The flood: fresh addresses (each its own /24) against throwaway rooms.
    const throwaway = Array.from({ length: 600 }, () => new BackoffRecord());
    for (let i = 0; i < 20_000; i++) g.failed(`172.${(i >> 8) & 255}.${i & 255}.1`, throwaway[i % 600]);
    now += 10;
    expect(refusal(() => g.check('10.2.2.2', victim))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => g.check('10.9.9.9', new BackoffRecord()))?.code).toBe('RATE_LIMITED');
    // Memory: the quiet records stay within their bound (plus the few in back-off).
    expect(g.size).toBeLessThan(5000 + 100);
  });
});
