// The werift SFU: a set of rooms. Pure TypeScript (mediasoup's worker binary cannot be installed here).
import { setting } from '../../config.ts';
import { AppError } from '../../util/errors.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { Sfu, SfuEvents, SfuOptions } from '../types.ts';
import { WeriftRoom } from './room.ts';
import { TaskGate } from './task-gate.ts';

export type ResolvedSfuOptions = Required<SfuOptions>;

export class WeriftSfu extends TypedEmitter<SfuEvents> implements Sfu {
  #rooms = new Map<string, WeriftRoom>();
  #closed = false;
  /** SDP work of every room: CPU is the process's, not the room's. */
  readonly #gate = new TaskGate();
  readonly options: ResolvedSfuOptions;

  constructor(options: SfuOptions = {}) {
    super();
    this.options = {
      rembBps: options.rembBps ?? setting('SFU_REMB_BPS'),
      rembIntervalMs: options.rembIntervalMs ?? 500,
      maxPlayoutDelayMs: options.maxPlayoutDelayMs ?? setting('SFU_MAX_PLAYOUT_DELAY_MS'),
      pliThrottleMs: options.pliThrottleMs ?? 300,
      // SFU_ICE_HOSTS: extra host candidates, e.g. 127.0.0.1 where loopback is the only interface.
      extraHostAddresses: options.extraHostAddresses ?? setting('SFU_ICE_HOSTS'),
      iceIpv6: options.iceIpv6 ?? setting('SFU_ICE_IPV6'),
      maxParticipants: options.maxParticipants ?? setting('ROOM_MAX_PARTICIPANTS'),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  createRoom(id: string): WeriftRoom {
    if (this.#closed) throw new AppError('CLOSED', 'SFU is closed');
    if (this.#rooms.has(id)) throw new AppError('BAD_REQUEST', `room ${id} exists`);
    const room = new WeriftRoom(id, this.options, this.#gate, (r) => {
      if (this.#rooms.get(r.id) === r) this.#rooms.delete(r.id);
      if (!this.#closed) this.emit('roomclose', r);
    });
    this.#rooms.set(id, room);
    return room;
  }

  getRoom(id: string): WeriftRoom | undefined {
    return this.#rooms.get(id);
  }

  rooms(): WeriftRoom[] {
    return [...this.#rooms.values()];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) room.close();
    this.#rooms.clear();
    this.emit('close');
    this.removeAllListeners();
  }
}
