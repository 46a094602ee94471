// Negotiation steps that a peer never completes (a client that never answers) must not hold a connection's
// negotiation forever: each step gets a deadline and fails with a coded error. Both SFU backends use it.
import { AppError } from '../util/errors.ts';

export const NEGOTIATION_TIMEOUT_MS = 15_000;

export function withTimeout<T>(p: Promise<T>, what: string, ms = NEGOTIATION_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new AppError('NEGOTIATION_FAILED', `${what} timed out`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
