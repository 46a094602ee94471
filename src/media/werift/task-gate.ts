// Serialises the SFU's SDP work (create/apply descriptions: werift parses and builds SDP in JavaScript) and
// yields to the event loop between tasks. A join renegotiates every subscriber in the room; run together,
// those chains of microtasks held the loop for seconds (packets and /healthz waited). The wait for a client's
// answer is not gated, so a slow or silent client cannot hold others up.
export class TaskGate {
  readonly #queue: Array<() => void> = [];
  #busy = false;

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#busy) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#busy = true;
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      // setImmediate, not a microtask: timers and I/O run between two tasks.
      if (next) setImmediate(next);
      else this.#busy = false;
    }
  }
}
