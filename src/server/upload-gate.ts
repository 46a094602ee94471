// At most N uploads are read and checked at once (UPLOAD_CONCURRENCY, default 2): each holds its body (up to
// 80 MB), decoded photos and a face check in memory, so parallel uploads would multiply that. Over the cap the
// caller answers 503 BUSY with Retry-After instead of queueing (a queue would still hold the sockets open).
import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';

const RETRY_AFTER_S = 2;

export class UploadGate {
  readonly limit: number;
  #active = 0;

  constructor(limit = setting('UPLOAD_CONCURRENCY')) {
    this.limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  /** Takes a slot or throws BUSY; the returned release is idempotent. */
  enter(): () => void {
    if (this.#active >= this.limit) {
      throw new AppError('BUSY', `server busy: ${this.limit} uploads already in progress; retry shortly`, {
        retryAfterS: RETRY_AFTER_S,
      });
    }
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
    };
  }
}
