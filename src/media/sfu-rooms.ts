// The room table both SFU backends keep: ids are unique, a closed SFU makes no rooms, a room that closes on its
// own leaves the table and is announced, and closing the SFU closes every room (announcing none).
import { AppError } from '../util/errors.ts';
import type { SfuRoom } from './types.ts';

export class SfuRooms<R extends SfuRoom> {
  readonly #rooms = new Map<string, R>();
  readonly #onRoomClosed: (room: R) => void;
  #closed = false;

  /** `onRoomClosed`: a room closed while the SFU is open (the SFU emits `roomclose`). */
  constructor(onRoomClosed: (room: R) => void) {
    this.#onRoomClosed = onRoomClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** Adds the room `make` builds; it must call the callback it is given when it closes. */
  create(id: string, make: (onClosed: (room: R) => void) => R): R {
    if (this.#closed) throw new AppError('CLOSED', 'SFU is closed');
    if (this.#rooms.has(id)) throw new AppError('BAD_REQUEST', `room ${id} exists`);
    const room = make((r) => {
      // A room of the same id created since may stand in the table: only this one leaves.
      if (this.#rooms.get(r.id) === r) this.#rooms.delete(r.id);
      if (!this.#closed) this.#onRoomClosed(r);
    });
    this.#rooms.set(id, room);
    return room;
  }

  get(id: string): R | undefined {
    return this.#rooms.get(id);
  }

  all(): R[] {
    return [...this.#rooms.values()];
  }

  /** Closes every room and refuses new ones; false when it was closed already. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) room.close();
    this.#rooms.clear();
    return true;
  }
}
