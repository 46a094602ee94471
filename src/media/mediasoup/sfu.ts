// The mediasoup SFU: C++ workers forward the media, this process only negotiates. Rooms are spread over the
// workers (one per core by default); a worker that dies takes its rooms with it (their peers close, so
// signaling tells each user to join again) and is replaced for the rooms that come next.
import { setting } from '../../config.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { SfuRooms } from '../sfu-rooms.ts';
import type { Sfu, SfuEvents, SfuOptions } from '../types.ts';
import { listenInfos } from './listen.ts';
import { MediasoupRoom, type RoomSettings } from './room.ts';
import { mediasoupWorkerBin } from './worker-bin.ts';
import { WorkerPool, type WorkerSlot } from './workers.ts';

export interface MediasoupOptions {
  /** Worker processes (default MEDIASOUP_WORKERS: one per core). */
  workers?: number;
  /** Transport-wide congestion control with the clients (default MEDIASOUP_TWCC). */
  twcc?: boolean;
}

export class MediasoupSfu extends TypedEmitter<SfuEvents> implements Sfu {
  readonly #rooms = new SfuRooms<MediasoupRoom>((r) => this.emit('roomclose', r));
  readonly #slotOf = new Map<MediasoupRoom, WorkerSlot>();
  readonly #settings: RoomSettings;
  readonly pool: WorkerPool;

  constructor(options: SfuOptions = {}, ms: MediasoupOptions = {}) {
    super();
    this.#settings = {
      maxParticipants: options.maxParticipants ?? setting('ROOM_MAX_PARTICIPANTS'),
      rembBps: options.rembBps ?? setting('SFU_REMB_BPS'),
      twcc: ms.twcc ?? setting('MEDIASOUP_TWCC'),
      listenInfos: listenInfos(
        options.extraHostAddresses ?? setting('SFU_ICE_HOSTS'),
        options.iceIpv6 ?? setting('SFU_ICE_IPV6'),
      ),
    };
    this.pool = new WorkerPool({
      count: ms.workers ?? setting('MEDIASOUP_WORKERS'),
      bin: mediasoupWorkerBin(),
      onDied: (slot, generation) => {
        for (const [room, s] of [...this.#slotOf]) {
          if (s === slot && room.generation === generation) room.close();
        }
      },
    });
  }

  get closed(): boolean {
    return this.#rooms.closed;
  }

  createRoom(id: string): MediasoupRoom {
    return this.#rooms.create(id, (onClosed) => {
      const slot = this.pool.pick();
      slot.rooms++;
      const room = new MediasoupRoom(id, slot.worker, slot.generation, this.#settings, (r) => {
        if (this.#slotOf.get(r) === slot && slot.generation === r.generation) slot.rooms--;
        this.#slotOf.delete(r);
        onClosed(r);
      });
      this.#slotOf.set(room, slot);
      return room;
    });
  }

  getRoom(id: string): MediasoupRoom | undefined {
    return this.#rooms.get(id);
  }

  rooms(): MediasoupRoom[] {
    return this.#rooms.all();
  }

  /** The worker slot a room's router lives on. */
  workerOf(room: MediasoupRoom): WorkerSlot | undefined {
    return this.#slotOf.get(room);
  }

  close(): void {
    if (!this.#rooms.close()) return;
    this.pool.close();
    this.emit('close');
    this.removeAllListeners();
  }
}
