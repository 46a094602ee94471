// mediasoup worker processes, one per core by default (MEDIASOUP_WORKERS): each room lives on one worker's
// router, and new rooms go to the worker holding the fewest. A worker that dies is reported (its rooms are
// closed by the SFU) and replaced by a fresh one for the rooms that come next.
import { createWorker, type types } from 'mediasoup';
import { createLogger } from '../../util/logger.ts';

const log = createLogger('media:mediasoup:workers');
/** Wait before replacing a dead worker: a binary that dies at once must not spin. */
const RESPAWN_DELAY_MS = 1000;

export interface WorkerSlot {
  readonly index: number;
  /** The slot's current worker (a replacement after a death). */
  worker: Promise<types.Worker>;
  rooms: number;
  /** Bumped at each death: rooms remember the generation they were made on. */
  generation: number;
}

export interface WorkerPoolOptions {
  count: number;
  bin: string;
  /** A slot's worker died: everything on it is gone. */
  onDied: (slot: WorkerSlot, generation: number, error: Error) => void;
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #slots: WorkerSlot[] = [];
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    for (let i = 0; i < options.count; i++) {
      const slot = { index: i, rooms: 0, generation: 0 } as WorkerSlot;
      this.#slots.push(slot);
      this.#spawn(slot);
    }
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The slot with the fewest rooms (the room's router goes on its worker). */
  pick(): WorkerSlot {
    let best = this.#slots[0];
    for (const s of this.#slots) if (s.rooms < best.rooms) best = s;
    return best;
  }

  /** The live workers. */
  async workers(): Promise<types.Worker[]> {
    const ws = await Promise.all(this.#slots.map((s) => s.worker.catch(() => null)));
    return ws.filter((w): w is types.Worker => !!w && !w.closed);
  }

  /** Process ids of the live workers (tests kill one to see a death handled). */
  async pids(): Promise<number[]> {
    return (await this.workers()).map((w) => w.pid);
  }

  #spawn(slot: WorkerSlot, delayMs = 0): void {
    const generation = slot.generation;
    const wait = delayMs > 0 ? new Promise<void>((r) => setTimeout(r, delayMs).unref()) : Promise.resolve();
    slot.worker = wait.then(() => {
      if (this.#closed) throw new Error('the SFU is closed');
      return createWorker({ workerBin: this.#options.bin, logLevel: 'warn' });
    });
    // A failed start is seen by the rooms that await it; the pool only logs it.
    slot.worker.then(
      (w) => {
        if (this.#closed) {
          w.close();
          return;
        }
        log.debug(`worker ${slot.index} started (pid ${w.pid})`);
        w.on('died', (e) => this.#died(slot, generation, e));
      },
      (e) => {
        if (!this.#closed) log.error(`mediasoup worker ${slot.index} did not start`, (e as Error).message);
      },
    );
  }

  #died(slot: WorkerSlot, generation: number, error: Error): void {
    if (this.#closed || slot.generation !== generation) return;
    log.error(`mediasoup worker ${slot.index} died (${error.message}): closing its ${slot.rooms} room(s)`);
    slot.generation++;
    slot.rooms = 0;
    this.#options.onDied(slot, generation, error);
    // Rooms made meanwhile wait for the replacement.
    this.#spawn(slot, RESPAWN_DELAY_MS);
  }

  /** Closes every worker; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots) {
      s.worker.then(
        (w) => w.close(),
        () => undefined,
      );
    }
  }
}
