// The werift SFU: a set of rooms. Pure TypeScript (mediasoup's worker binary cannot be installed here).
import { setting } from '../../config.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { SfuRooms } from '../sfu-rooms.ts';
import type { Sfu, SfuEvents, SfuOptions } from '../types.ts';
import { type ResolvedSfuOptions, WeriftRoom } from './room.ts';
import { TaskGate } from './task-gate.ts';

export class WeriftSfu extends TypedEmitter<SfuEvents> implements Sfu {
  readonly #rooms = new SfuRooms<WeriftRoom>((r) => this.emit('roomclose', r));
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
    return this.#rooms.closed;
  }

  createRoom(id: string): WeriftRoom {
    return this.#rooms.create(id, (onClosed) => new WeriftRoom(id, this.options, this.#gate, onClosed));
  }

  getRoom(id: string): WeriftRoom | undefined {
    return this.#rooms.get(id);
  }

  rooms(): WeriftRoom[] {
    return this.#rooms.all();
  }

  close(): void {
    if (!this.#rooms.close()) return;
    this.emit('close');
    this.removeAllListeners();
  }
}
