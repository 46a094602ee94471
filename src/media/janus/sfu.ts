// The Janus SFU backend: one Janus session (HTTP transport, long poll, keepalive) holding every room's handles.
// Rooms are VideoRooms created on demand; closing the SFU closes the rooms, waits for their handles to detach
// and the VideoRooms to go, then destroys the session.
import { setting } from '../../config.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { SfuRooms } from '../sfu-rooms.ts';
import type { Sfu, SfuEvents, SfuOptions } from '../types.ts';
import { JanusRoom } from './room.ts';
import { JanusSession } from './session.ts';

const log = createLogger('media:janus:sfu');

/** Janus-only knobs (the shared ones are SfuOptions). */
export interface JanusOptions {
  /** Negotiate transport-wide congestion control with publishers (default true; false: REMB only). */
  twcc?: boolean;
}

export class JanusSfu extends TypedEmitter<SfuEvents> implements Sfu {
  readonly url: string;
  readonly rembBps: number;
  readonly maxPlayoutDelayMs: number;
  readonly twcc: boolean;
  readonly session: Promise<JanusSession>;
  readonly #rooms = new SfuRooms<JanusRoom>((r) => this.emit('roomclose', r));
  #work = new Set<Promise<unknown>>();
  #ended: Promise<void> | null = null;

  /** `url`: the Janus API base, e.g. http://127.0.0.1:8088/janus (JANUS_URL). */
  constructor(url: string, options: SfuOptions = {}, janus: JanusOptions = {}) {
    super();
    this.url = url;
    // The other SfuOptions are werift's knobs (REMB period, PLI throttle, ICE hosts): Janus has its own.
    this.rembBps = options.rembBps ?? setting('SFU_REMB_BPS');
    this.maxPlayoutDelayMs = options.maxPlayoutDelayMs ?? setting('SFU_MAX_PLAYOUT_DELAY_MS');
    this.twcc = janus.twcc ?? true;
    this.session = JanusSession.create(url);
    this.session.then(
      (s) =>
        s.on('lost', (reason) => {
          // Every handle is gone with the session: peers learn it as failed transports, rooms end.
          log.error(`Janus session lost (${reason}): closing ${this.#rooms.size} room(s)`);
          for (const room of this.rooms()) {
            for (const p of room.peers()) p.fail();
          }
        }),
      (e) => log.error(`cannot open a Janus session at ${url}`, (e as Error).message),
    );
  }

  get closed(): boolean {
    return this.#rooms.closed;
  }

  createRoom(id: string): JanusRoom {
    return this.#rooms.create(
      id,
      (onRoomClosed) =>
        new JanusRoom(id, {
          session: this.session,
          rembBps: this.rembBps,
          maxPlayoutDelayMs: this.maxPlayoutDelayMs,
          twcc: this.twcc,
          track: (w) => this.#track(w),
          onRoomClosed,
        }),
    );
  }

  getRoom(id: string): JanusRoom | undefined {
    return this.#rooms.get(id);
  }

  rooms(): JanusRoom[] {
    return this.#rooms.all();
  }

  #track(work: Promise<unknown>): void {
    const w = work.catch((e) => log.debug('background Janus work failed', (e as Error).message));
    this.#work.add(w);
    void w.finally(() => this.#work.delete(w));
  }

  /** Resolves when the background Janus requests started so far (detaches, room destroys) are done. */
  async settled(): Promise<void> {
    while (this.#work.size) await Promise.all([...this.#work]);
    if (this.#ended) await this.#ended;
  }

  close(): void {
    if (!this.#rooms.close()) return;
    this.#ended = (async () => {
      while (this.#work.size) await Promise.all([...this.#work]);
      const session = await this.session.catch(() => null);
      await session?.destroy();
    })();
    this.emit('close');
    this.removeAllListeners();
  }
}
