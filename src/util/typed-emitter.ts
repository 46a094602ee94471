import { EventEmitter } from 'node:events';

// EventEmitter with a typed event map: `class Room extends TypedEmitter<{ close: []; peer: [Peer] }>`.
// biome-ignore lint/suspicious/noExplicitAny: event argument tuples are arbitrary by design
export type EventMap = Record<string, any[]>;

export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter();

  constructor() {
    this.#ee.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.#ee.on(event, fn as (...a: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.#ee.once(event, fn as (...a: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.#ee.off(event, fn as (...a: unknown[]) => void);
    return this;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return this.#ee.emit(event, ...args);
  }

  /**
   * Calls every listener even when one throws (close and exit events must reach every party, or a child is
   * left open); the errors are handed to `onError` after all listeners ran.
   */
  protected safeEmit<K extends keyof E & string>(
    event: K,
    onError: (e: unknown) => void,
    ...args: E[K]
  ): void {
    const errors: unknown[] = [];
    for (const fn of this.#ee.rawListeners(event)) {
      try {
        (fn as (...a: unknown[]) => void)(...args);
      } catch (e) {
        errors.push(e);
      }
    }
    for (const e of errors) onError(e);
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  removeAllListeners(): this {
    this.#ee.removeAllListeners();
    return this;
  }
}
