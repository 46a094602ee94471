// A room on mediasoup: one router on one worker, its peers, and the routes that show an agent's output in place
// of a participant's camera. Packets never pass through this process except a routed participant's audio,
// which the lip-sync relay holds back. A route takes effect by swapping the subscribers' consumers (same
// m-line, new SSRC); mediasoup starts each new video consumer at a keyframe of the new source.
import type { types } from 'mediasoup';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { Kind } from '../sdp-types.ts';
import type { CreatePeerOptions, SfuRoom, SfuRoomEvents } from '../types.ts';
import { AudioRelay } from './audio-relay.ts';
import { MediasoupPeer, type MediasoupPeerHost } from './peer.ts';
import { MEDIA_CODECS, receiveCapabilities } from './rtp.ts';

const log = createLogger('media:mediasoup:room');
/** A relay outlives its route this long, so subscribers swap back before it goes. */
const RELAY_LINGER_MS = 3000;

export interface RoomSettings {
  readonly maxParticipants: number;
  readonly rembBps: number;
  readonly twcc: boolean;
  readonly listenInfos: types.TransportListenInfo[];
}

export class MediasoupRoom extends TypedEmitter<SfuRoomEvents> implements SfuRoom, MediasoupPeerHost {
  readonly id: string;
  readonly twcc: boolean;
  /** The worker generation the router was made on (a death of that generation ends the room). */
  readonly generation: number;
  readonly router: Promise<types.Router>;
  readonly #settings: RoomSettings;
  readonly #onClosed: (room: MediasoupRoom) => void;
  #caps: Promise<types.RtpCapabilities> | null = null;
  #direct: Promise<types.DirectTransport> | null = null;
  #peers = new Map<string, MediasoupPeer>();
  #exempt = new Set<string>();
  /** participant -> the peer whose video its non-raw subscribers receive. */
  #routes = new Map<string, string>();
  #relays = new Map<string, AudioRelay>();
  #relaying = new Set<string>();
  #delayTargets = new Map<string, number>();
  #closed = false;

  constructor(
    id: string,
    worker: Promise<types.Worker>,
    generation: number,
    settings: RoomSettings,
    onClosed: (room: MediasoupRoom) => void,
  ) {
    super();
    this.id = id;
    this.generation = generation;
    this.#settings = settings;
    this.twcc = settings.twcc;
    this.#onClosed = onClosed;
    this.router = worker.then((w) => w.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { room: id } }));
    this.router.then(
      (r) => (this.#closed ? r.close() : undefined),
      (e) => {
        if (!this.#closed) log.error(`room ${id}: no router`, (e as Error).message);
      },
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  createPeer(id: string, options: CreatePeerOptions = {}): MediasoupPeer {
    if (this.#closed) throw new AppError('CLOSED', `room ${this.id} is closed`);
    if (this.#peers.has(id)) throw new AppError('ALREADY_JOINED', `peer ${id} already in room ${this.id}`);
    const counted = options.role !== 'agent';
    if (counted && this.#peers.size - this.#exempt.size >= this.#settings.maxParticipants) {
      throw new AppError(
        'ROOM_FULL',
        `room ${this.id} is full (${this.#settings.maxParticipants} participants)`,
      );
    }
    const peer = new MediasoupPeer(id, this);
    this.#peers.set(id, peer);
    if (!counted) this.#exempt.add(id);
    return peer;
  }

  getPeer(id: string): MediasoupPeer | undefined {
    return this.#peers.get(id);
  }

  peers(): MediasoupPeer[] {
    return [...this.#peers.values()];
  }

  setRoute(participantId: string, sourcePeerId: string | null): void {
    const target = sourcePeerId ?? participantId;
    if (this.currentSource(participantId) === target) return;
    if (target === participantId) this.#routes.delete(participantId);
    else this.#routes.set(participantId, target);
    log.debug(`route ${participantId} -> ${target}`);
    this.#updateRelay(participantId);
    this.#refreshSubscribers();
    this.emit('sourcechange', participantId, target);
  }

  currentSource(participantId: string): string {
    return this.#routes.get(participantId) ?? participantId;
  }

  setAudioDelay(participantId: string, ms: number): void {
    this.#delayTargets.set(participantId, ms);
    this.#relays.get(participantId)?.setDelay(this.#routes.has(participantId) ? ms : 0);
  }

  audioDelay(participantId: string): number {
    return this.#relays.get(participantId)?.delayMs ?? 0;
  }

  // ---------- MediasoupPeerHost ----------

  async createTransport(role: 'publish' | 'subscribe', peerId: string): Promise<types.WebRtcTransport> {
    try {
      const router = await this.router;
      return await router.createWebRtcTransport({
        listenInfos: this.#settings.listenInfos,
        enableUdp: true,
        // SFU_REMB_BPS: the most a publisher is granted (REMB, also with TWCC).
        ...(role === 'publish' ? { maxIncomingBitrate: this.#settings.rembBps } : {}),
        appData: { peerId, role },
      });
    } catch (e) {
      throw new AppError('NEGOTIATION_FAILED', `no ${role} transport: ${(e as Error).message}`);
    }
  }

  capabilities(): Promise<types.RtpCapabilities> {
    this.#caps ??= this.router.then((r) => receiveCapabilities(r, this.twcc));
    return this.#caps;
  }

  hasPeer(id: string): boolean {
    return this.#peers.get(id)?.closed === false;
  }

  source(participantId: string, kind: Kind, raw: boolean): types.Producer | null {
    const own = this.#peers.get(participantId)?.producer(kind) ?? null;
    const target = raw ? undefined : this.#routes.get(participantId);
    if (target === undefined) return own;
    const via = this.#peers.get(target);
    // Routed video comes from the target only: a target that sends nothing (an agent starting, an avatar
    // held) means nothing, never the camera.
    if (kind === 'video') return via?.producer('video') ?? null;
    // Audio follows the video source when that source publishes audio; else the participant's own, delayed.
    const viaAudio = via?.producer('audio');
    if (viaAudio) return viaAudio;
    const relay = this.#relays.get(participantId);
    return relay && !relay.closed && relay.sourceId === own?.id ? relay.producer : own;
  }

  onProduce(peer: MediasoupPeer, kind: Kind, _producer: types.Producer): void {
    if (kind === 'audio') this.#updateRelay(peer.id);
    this.#refreshSubscribers(peer);
  }

  onUnproduce(peer: MediasoupPeer): void {
    this.#refreshSubscribers(peer);
  }

  onPeerClosed(peer: MediasoupPeer): void {
    if (this.#peers.get(peer.id) !== peer) return;
    this.#peers.delete(peer.id);
    this.#exempt.delete(peer.id);
    this.#routes.delete(peer.id);
    for (const p of this.#peers.values()) p.unsubscribe(peer.id);
    this.#relays.get(peer.id)?.close();
    this.#relays.delete(peer.id);
    this.#delayTargets.delete(peer.id);
    // Routes through the closed peer fall back to the participants' own cameras.
    for (const [pid, target] of [...this.#routes]) if (target === peer.id) this.setRoute(pid, null);
    if (!this.#closed) this.emit('peerclose', peer);
  }

  // ---------- lip-sync relays ----------

  /** A routed participant's audio goes through a relay (made here); an unrouted one's relay goes. */
  #updateRelay(pid: string): void {
    const relay = this.#relays.get(pid);
    const own = this.#peers.get(pid)?.producer('audio');
    if (!this.#routes.has(pid)) {
      if (!relay) return;
      relay.setDelay(0);
      setTimeout(() => {
        if (this.#relays.get(pid) === relay && !this.#routes.has(pid)) {
          this.#relays.delete(pid);
          relay.close();
        }
      }, RELAY_LINGER_MS).unref();
      return;
    }
    if (!own || (relay && !relay.closed && relay.sourceId === own.id)) {
      relay?.setDelay(this.#delayTargets.get(pid) ?? 0);
      return;
    }
    if (this.#relaying.has(pid)) return;
    this.#relaying.add(pid);
    this.#makeRelay(pid, own).finally(() => this.#relaying.delete(pid));
  }

  async #makeRelay(pid: string, own: types.Producer): Promise<void> {
    try {
      const router = await this.router;
      this.#direct ??= router.createDirectTransport();
      const relay = await AudioRelay.create(router, await this.#direct, own);
      if (this.#closed || this.#peers.get(pid)?.producer('audio') !== own) {
        relay.close();
        return;
      }
      this.#relays.get(pid)?.close();
      this.#relays.set(pid, relay);
      relay.setDelay(this.#routes.has(pid) ? (this.#delayTargets.get(pid) ?? 0) : 0);
      this.#refreshSubscribers();
    } catch (e) {
      if (!this.#closed) log.warn(`room ${this.id}: no audio relay for ${pid}`, (e as Error).message);
    }
  }

  #refreshSubscribers(except?: MediasoupPeer): void {
    for (const p of this.#peers.values()) if (p !== except) p.refreshSubscriptions();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.close();
    this.#peers.clear();
    this.#routes.clear();
    for (const r of this.#relays.values()) r.close();
    this.#relays.clear();
    this.router.then(
      (r) => r.close(),
      () => undefined,
    );
    this.#onClosed(this);
    this.emit('close');
    this.removeAllListeners();
  }
}
