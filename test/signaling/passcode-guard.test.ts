// Passcode back-off with an injected clock: per address, per room across addresses, doubling, forgetting.
import { describe, expect, it } from 'vitest';
import { PasscodeGuard } from '../../src/signaling/passcode-guard.ts';
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
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => g.check('1.2.3.4', 'r'))).toBeNull();
      g.failed('1.2.3.4', 'r');
    }
    const e = refusal(() => g.check('1.2.3.4', 'r'));
    expect(e?.code).toBe('RATE_LIMITED');
    expect(e?.details?.retryAfterMs).toBe(1000);
    expect(refusal(() => g.check('5.6.7.8', 'r'))).toBeNull(); // another address is not blocked
    now += 1000;
    expect(refusal(() => g.check('1.2.3.4', 'r'))).toBeNull();
    g.failed('1.2.3.4', 'r');
    expect(refusal(() => g.check('1.2.3.4', 'r'))?.details?.retryAfterMs).toBe(2000);
    now += 2000;
    g.failed('1.2.3.4', 'r');
    expect(refusal(() => g.check('1.2.3.4', 'r'))?.details?.retryAfterMs).toBe(4000);
    // A right passcode (after the wait) clears the address.
    now += 4000;
    g.succeeded('1.2.3.4');
    expect(refusal(() => g.check('1.2.3.4', 'r'))).toBeNull();
  });

  it('limits one room across many addresses, and leaves other rooms alone', () => {
    let now = 0;
    const g = new PasscodeGuard({
      addressFree: 3,
      roomFree: 10,
      baseMs: 500,
      roomMaxMs: 60_000,
      now: () => now,
    });
    for (let i = 0; i < 10; i++) {
      expect(refusal(() => g.check(`10.0.0.${i}`, 'target'))).toBeNull();
      g.failed(`10.0.0.${i}`, 'target');
    }
    expect(refusal(() => g.check('10.0.1.1', 'target'))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => g.check('10.0.1.1', 'elsewhere'))).toBeNull();
    // Failures are forgotten after a quiet while.
    now += 16 * 60_000;
    expect(refusal(() => g.check('10.0.1.1', 'target'))).toBeNull();
  });
});
