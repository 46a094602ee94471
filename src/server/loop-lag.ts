// Event-loop delay of the server process, for /stats: the SFU forwards every packet on this loop, so a stall
// here is jitter for every receiver in every call.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const WINDOW_MS = 5000;

export interface LoopLag {
  /** Over the last complete window of 5 s, ms. */
  p50: number;
  p99: number;
  max: number;
}

export class LoopLagMonitor {
  #h = monitorEventLoopDelay({ resolution: 10 });
  #last: LoopLag = { p50: 0, p99: 0, max: 0 };
  #timer: NodeJS.Timeout;
  #closed = false;

  constructor() {
    this.#h.enable();
    this.#timer = setInterval(() => {
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      // The histogram counts the sampling resolution itself as delay; subtract it.
      const lag = (ns: number) => Math.max(0, Math.round((ms(ns) - 10) * 10) / 10);
      this.#last = {
        p50: lag(this.#h.percentile(50)),
        p99: lag(this.#h.percentile(99)),
        max: lag(this.#h.max),
      };
      this.#h.reset();
    }, WINDOW_MS);
    this.#timer.unref();
  }

  get last(): LoopLag {
    return this.#last;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#h.disable();
  }
}
