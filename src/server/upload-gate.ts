// Uploads hold two things, and each only while it is real work. A body being received holds its bytes of a
// memory budget (its declared length, or what has arrived of a chunked one): at most UPLOAD_CONCURRENCY largest
// forms in all, so memory stays bounded, and a slow body (cut by its deadline, body.ts) holds a few bytes, not a
// slot. A received body then waits for one of UPLOAD_CONCURRENCY check slots (decode + face check, the CPU and
// memory heavy part). Over the budget the caller answers 503 BUSY with Retry-After instead of queueing (a queue
// of bodies would hold their sockets and bytes).
import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';

const RETRY_AFTER_S = 2;

export interface BodyHold {
  /** Holds `total` bytes for this body in all (it grew as a chunked body arrived); throws BUSY over the budget. */
  grow(total: number): void;
  /** Idempotent. */
  release(): void;
}

export class UploadGate {
  readonly limit: number;
  readonly budgetBytes: number;
  #active = 0;
  #held = 0;
  #waiting: Array<() => void> = [];

  /** `largestBody`: the most one upload may send (the budget is `limit` of them). */
  constructor(largestBody: number, limit = setting('UPLOAD_CONCURRENCY')) {
    this.limit = limit;
    this.budgetBytes = largestBody * limit;
  }

  /** Checks running now. */
  get active(): number {
    return this.#active;
  }

  /** Body bytes held now. */
  get held(): number {
    return this.#held;
  }

  hold(bytes: number): BodyHold {
    let mine = 0;
    let released = false;
    const grow = (total: number) => {
      if (released || total <= mine) return;
      if (this.#held - mine + total > this.budgetBytes) {
        throw new AppError('BUSY', 'server busy: too many uploads in progress; retry shortly', {
          retryAfterS: RETRY_AFTER_S,
        });
      }
      this.#held += total - mine;
      mine = total;
    };
    grow(bytes);
    return {
      grow,
      release: () => {
        if (released) return;
        released = true;
        this.#held -= mine;
      },
    };
  }

  /** Runs `work` in a check slot, waiting for one (its body is already held in the budget). */
  async check<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#active++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next)
        next(); // the slot passes on
      else this.#active--;
    }
  }
}
