// A room on Janus: one VideoRoom created on demand and destroyed on close, its peers, and the routes that show
// an agent's output in place of a participant's camera. A monitor handle joins the VideoRoom as a passive
// participant to hear which feeds publish which streams; routes move subscribers' m-lines with `switch`.

import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { Kind } from '../sdp-types.ts';
import type { SfuRoom, SfuRoomEvents } from '../types.ts';
import { JanusHandle } from './handle.ts';
import type { PublisherInfo, VideoRoomData } from './messages.ts';
import { JanusPeer, type JanusPeerHost } from './peer.ts';
import type { JanusSession } from './session.ts';
import type { StreamRef } from './subscriber.ts';

const log = createLogger('media:janus:room');
/** How long a closing peer waits for routes through it to be switched away before its feed goes. */
const REROUTE_WAIT_MS = 2000;
/** Resync rounds a route change gets before it is committed anyway. */
const SWITCH_TRIES = 5;
/** Enough publishers for participants and their agents. */
const MAX_PUBLISHERS = 64;

interface Route {
  target: string;
  committed: string;
  generation: number;
}

export interface JanusRoomHost {
  readonly session: Promise<JanusSession>;
  readonly rembBps: number;
  readonly maxPlayoutDelayMs: number;
  readonly twcc: boolean;
  track(work: Promise<unknown>): void;
  onRoomClosed(room: JanusRoom): void;
}

export class JanusRoom extends TypedEmitter<SfuRoomEvents> implements SfuRoom, JanusPeerHost {
  readonly id: string;
  readonly session: Promise<JanusSession>;
  /** The VideoRoom's numeric id, once Janus created it. */
  readonly roomId: Promise<number>;
  readonly maxPlayoutDelayMs: number;
  readonly #host: JanusRoomHost;
  #monitor: Promise<JanusHandle>;
  #peers = new Map<string, JanusPeer>();
  #byFeed = new Map<number, JanusPeer>();
  #nextFeed = 1;
  #routes = new Map<string, Route>();
  #audioDelays = new Map<string, number>();
  #warnedDelay = false;
  #closed = false;

  constructor(id: string, host: JanusRoomHost) {
    super();
    this.id = id;
    this.#host = host;
    this.session = host.session;
    this.maxPlayoutDelayMs = host.maxPlayoutDelayMs;
    this.#monitor = host.session.then((s) => JanusHandle.attach(s));
    this.roomId = this.#monitor.then(async (monitor) => {
      const created = await monitor.query({
        request: 'create',
        description: `gazecam ${id}`.slice(0, 100),
        is_private: true,
        publishers: MAX_PUBLISHERS,
        // Janus's REMB to publishers carries this cap (the werift SFU's SFU_REMB_BPS).
        bitrate: host.rembBps,
        bitrate_cap: true,
        audiocodec: 'opus',
        videocodec: 'vp8',
        fir_freq: 0,
        audiolevel_ext: false,
        // TWCC: send-side bandwidth estimation for publishers (off: REMB only, as the werift SFU does).
        transport_wide_cc_ext: host.twcc,
        permanent: false,
      });
      const roomId = created.room;
      if (typeof roomId !== 'number') throw new AppError('INTERNAL', 'Janus created no room id');
      monitor.on('event', (data) => this.#onMonitorEvent(data));
      const joined = await monitor.send({
        request: 'join',
        ptype: 'publisher',
        room: roomId,
        display: 'gazecam-monitor',
      });
      this.#onMonitorEvent(joined.data);
      log.debug(`room ${id} is VideoRoom ${roomId}`);
      return roomId;
    });
    this.roomId.catch((e) => log.error(`room ${id}: Janus room not created`, (e as Error).message));
  }

  get closed(): boolean {
    return this.#closed;
  }

  createPeer(id: string): JanusPeer {
    if (this.#closed) throw new AppError('CLOSED', `room ${this.id} is closed`);
    if (this.#peers.has(id)) throw new AppError('ALREADY_JOINED', `peer ${id} already in room ${this.id}`);
    const peer = new JanusPeer(id, this.#nextFeed++, this);
    this.#peers.set(id, peer);
    this.#byFeed.set(peer.feedId, peer);
    return peer;
  }

  getPeer(id: string): JanusPeer | undefined {
    return this.#peers.get(id);
  }

  peers(): JanusPeer[] {
    return [...this.#peers.values()];
  }

  // ---------- feeds, from the monitor ----------

  #onMonitorEvent(data: VideoRoomData): void {
    if (this.#closed) return;
    if (data.videoroom === 'destroyed') {
      log.warn(`room ${this.id}: VideoRoom destroyed on Janus's side`);
      this.close();
      return;
    }
    let changed = false;
    for (const p of data.publishers ?? []) changed = this.#onPublisher(p) || changed;
    for (const gone of [data.unpublished, data.leaving]) {
      if (typeof gone !== 'number') continue;
      const peer = this.#byFeed.get(gone);
      if (!peer) continue;
      peer.setStreams(new Map());
      changed = true;
    }
    if (changed) this.#resyncAll();
  }

  #onPublisher(p: PublisherInfo): boolean {
    const peer = this.#byFeed.get(p.id);
    if (!peer) return false;
    const streams = new Map<Kind, string>();
    for (const s of p.streams ?? []) {
      if (s.disabled || (s.type !== 'audio' && s.type !== 'video') || streams.has(s.type)) continue;
      streams.set(s.type, s.mid);
    }
    peer.setStreams(streams);
    return true;
  }

  #resyncAll(): Promise<void> {
    return Promise.all(this.peers().map((p) => p.resync())).then(() => undefined);
  }

  sourceFor(participantId: string, kind: Kind, raw: boolean): StreamRef | null {
    const own = this.#streamOf(participantId, kind);
    if (raw) return own;
    const target = this.#routes.get(participantId)?.target;
    // Audio follows the routed source only when that source publishes audio (an agent usually does not).
    if (target) return this.#streamOf(target, kind) ?? own;
    return own;
  }

  #streamOf(participantId: string, kind: Kind): StreamRef | null {
    const peer = this.#peers.get(participantId);
    const mid = peer?.publishedMid(kind);
    return peer && mid !== undefined ? { feed: peer.feedId, mid } : null;
  }

  // ---------- routes ----------

  setRoute(participantId: string, sourcePeerId: string | null): void {
    if (this.#closed) return;
    const target = sourcePeerId ?? participantId;
    const route = this.#routes.get(participantId) ?? {
      target: participantId,
      committed: participantId,
      generation: 0,
    };
    if (route.target === target) return;
    route.target = target;
    const generation = ++route.generation;
    this.#routes.set(participantId, route);
    log.debug(`route ${participantId} -> ${target}`);
    this.#switchAll(participantId, route, generation)
      .then((current) => {
        if (!current) return;
        this.#peers.get(target)?.requestKeyFrame();
        this.#commit(participantId, route);
      })
      .catch((e) => log.warn(`route ${participantId} -> ${target} failed`, (e as Error).message));
  }

  /**
   * Resyncs every subscription until each carries the route's source for `participantId` (Janus confirmed the
   * switch), a few tries at most; false when the route changed meanwhile.
   */
  async #switchAll(participantId: string, route: Route, generation: number): Promise<boolean> {
    for (let attempt = 0; attempt < SWITCH_TRIES; attempt++) {
      await this.#resyncAll();
      if (this.#closed || route.generation !== generation) return false;
      if (this.peers().every((p) => p.inStep(participantId))) return true;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
    log.warn(`route ${participantId} -> ${route.target}: not every subscription switched`);
    return !this.#closed && route.generation === generation;
  }

  #commit(participantId: string, route: Route): void {
    if (route.committed === route.target) return;
    route.committed = route.target;
    if (route.target === participantId) this.#routes.delete(participantId);
    this.emit('sourcechange', participantId, route.committed);
  }

  currentSource(participantId: string): string {
    return this.#routes.get(participantId)?.committed ?? participantId;
  }

  setAudioDelay(participantId: string, ms: number): void {
    // The VideoRoom forwards without a per-subscriber delay: lip sync through an agent is the receiver's.
    this.#audioDelays.set(participantId, ms);
    if (!this.#warnedDelay && ms > 0) {
      this.#warnedDelay = true;
      log.info(
        `room ${this.id}: Janus applies no audio delay (asked ${Math.round(ms)} ms); audio leads video`,
      );
    }
  }

  audioDelay(_participantId: string): number {
    return 0;
  }

  // ---------- peers and close ----------

  track(work: Promise<unknown>): void {
    this.#host.track(work);
  }

  onPeerClosed(peer: JanusPeer): Promise<void> {
    if (this.#peers.get(peer.id) !== peer) return Promise.resolve();
    this.#peers.delete(peer.id);
    this.#routes.delete(peer.id);
    this.#audioDelays.delete(peer.id);
    const waits: Promise<void>[] = [];
    for (const [pid, route] of [...this.#routes]) {
      if (route.target === peer.id || route.committed === peer.id) {
        this.setRoute(pid, null);
        waits.push(this.#resyncAll());
      }
    }
    if (!this.#closed) this.emit('peerclose', peer);
    // The feed stays mapped until the monitor hears it leave, so subscribers still see its streams go.
    const settled = Promise.all(waits).then(() => undefined);
    return Promise.race([settled, new Promise<void>((r) => setTimeout(r, REROUTE_WAIT_MS).unref())]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.close();
    this.#peers.clear();
    this.#routes.clear();
    this.#host.onRoomClosed(this);
    this.#host.track(this.#destroy());
    this.emit('close');
    this.removeAllListeners();
  }

  /** Destroys the VideoRoom (kicking whatever is left in it) and detaches the monitor. */
  async #destroy(): Promise<void> {
    let monitor: JanusHandle;
    let room: number;
    try {
      [monitor, room] = await Promise.all([this.#monitor, this.roomId]);
    } catch {
      return; // never created
    }
    try {
      await monitor.query({ request: 'destroy', room });
      log.debug(`room ${this.id}: VideoRoom ${room} destroyed`);
    } catch (e) {
      log.warn(`room ${this.id}: destroying VideoRoom ${room} failed`, (e as Error).message);
    }
    await monitor.detach();
  }
}
