// A room of the werift SFU: its peers and the routing of RTP between them. Packets are forwarded, never decoded;
// a participant's subscribers receive either the participant's own camera or a routed source (the agent's
// processed output), switched at a keyframe of the new source.
import type { RtpPacket } from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { Kind } from '../sdp-types.ts';
import type { CreatePeerOptions, SfuOptions, SfuRoom, SfuRoomEvents } from '../types.ts';
import type { IceOptions } from './config.ts';
import { RtpDelayQueue } from './delay-queue.ts';
import { type PeerHost, WeriftPeer } from './peer.ts';
import type { TaskGate } from './task-gate.ts';
import { isVp8KeyframeStart } from './vp8.ts';

const log = createLogger('media:room');

/** The SFU's options with every default filled in, as the rooms get them. */
export type ResolvedSfuOptions = Required<SfuOptions>;

/** A pending source switch that sees no keyframe in this long switches anyway (a PLI went unanswered). */
const SWITCH_TIMEOUT_MS = 2000;

interface Route {
  /** Where subscribers should get the participant from (the participant itself when not routed). */
  target: string;
  /** Where they get video from now (differs from target until the target's keyframe). */
  committed: string;
  pendingSince: number;
}

export class WeriftRoom extends TypedEmitter<SfuRoomEvents> implements SfuRoom, PeerHost {
  readonly id: string;
  readonly rembBps: number;
  readonly maxPlayoutDelayMs: number;
  readonly rembIntervalMs: number;
  readonly pliThrottleMs: number;
  readonly ice: IceOptions;
  readonly maxParticipants: number;
  readonly gate: TaskGate;
  #peers = new Map<string, WeriftPeer>();
  /** Peers that do not count toward the cap (agents: bounded by the agent limits instead). */
  #exempt = new Set<string>();
  #routes = new Map<string, Route>();
  /** Per participant: its audio on the way to non-raw subscribers, held back for lip sync. */
  #audioDelays = new Map<string, RtpDelayQueue>();
  #audioDelayTargets = new Map<string, number>();
  #closed = false;
  #onClosed: (room: WeriftRoom) => void;

  constructor(id: string, options: ResolvedSfuOptions, gate: TaskGate, onClosed: (room: WeriftRoom) => void) {
    super();
    this.id = id;
    this.rembBps = options.rembBps;
    this.maxPlayoutDelayMs = options.maxPlayoutDelayMs;
    this.rembIntervalMs = options.rembIntervalMs;
    this.pliThrottleMs = options.pliThrottleMs;
    this.ice = { extraHostAddresses: options.extraHostAddresses, ipv6: options.iceIpv6 };
    this.maxParticipants = options.maxParticipants;
    this.gate = gate;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  createPeer(id: string, options: CreatePeerOptions = {}): WeriftPeer {
    if (this.#closed) throw new AppError('CLOSED', `room ${this.id} is closed`);
    if (this.#peers.has(id)) throw new AppError('ALREADY_JOINED', `peer ${id} already in room ${this.id}`);
    const counted = options.role !== 'agent';
    if (counted && this.participantCount() >= this.maxParticipants) {
      throw new AppError('ROOM_FULL', `room ${this.id} is full (${this.maxParticipants} participants)`);
    }
    const peer = new WeriftPeer(id, this);
    this.#peers.set(id, peer);
    if (!counted) this.#exempt.add(id);
    return peer;
  }

  /** Peers that count toward the room's cap. */
  participantCount(): number {
    return this.#peers.size - this.#exempt.size;
  }

  getPeer(id: string): WeriftPeer | undefined {
    return this.#peers.get(id);
  }

  peers(): WeriftPeer[] {
    return [...this.#peers.values()];
  }

  setRoute(participantId: string, sourcePeerId: string | null): void {
    const target = sourcePeerId ?? participantId;
    const route = this.#routes.get(participantId) ?? {
      target: participantId,
      committed: participantId,
      pendingSince: 0,
    };
    if (route.target === target) return;
    route.target = target;
    route.pendingSince = Date.now();
    this.#routes.set(participantId, route);
    log.debug(`route ${participantId} -> ${target}`);
    // The new source may not be sending at all (a dead agent): commit at once then, else wait for a keyframe.
    const source = this.#peers.get(target);
    if (!source?.produces('video')) this.#commit(participantId, route);
    else source.requestKeyFrame(true);
    // The new source may bring a kind the participant's subscribers have no track for yet (an agent's audio).
    this.#refreshSubscribers();
  }

  #refreshSubscribers(except?: WeriftPeer): void {
    for (const p of this.#peers.values()) if (p !== except) p.refreshSubscriptions();
  }

  setAudioDelay(participantId: string, ms: number): void {
    this.#audioDelayTargets.set(participantId, ms);
    this.#audioDelays.get(participantId)?.setDelay(this.#routedVideo(participantId) ? ms : 0);
  }

  audioDelay(participantId: string): number {
    return this.#audioDelays.get(participantId)?.delayMs ?? 0;
  }

  #routedVideo(participantId: string): boolean {
    const r = this.#routes.get(participantId);
    return !!r && r.committed !== participantId;
  }

  #audioQueue(participantId: string, source: WeriftPeer): RtpDelayQueue {
    let q = this.#audioDelays.get(participantId);
    if (!q) {
      q = new RtpDelayQueue((rtp) => this.#forwardTo(participantId, source, 'audio', rtp, false));
      this.#audioDelays.set(participantId, q);
    }
    return q;
  }

  currentSource(participantId: string): string {
    return this.#routes.get(participantId)?.committed ?? participantId;
  }

  #commit(participantId: string, route: Route): void {
    if (route.committed === route.target) return;
    route.committed = route.target;
    if (route.target === participantId) this.#routes.delete(participantId);
    const routed = route.target !== participantId;
    this.#audioDelays
      .get(participantId)
      ?.setDelay(routed ? (this.#audioDelayTargets.get(participantId) ?? 0) : 0);
    this.#peers.get(route.committed)?.requestKeyFrame(true);
    this.emit('sourcechange', participantId, route.committed);
  }

  /** The peer whose `kind` packets go to non-raw subscribers of `participantId`. */
  #effectiveSource(participantId: string, kind: Kind): string {
    const route = this.#routes.get(participantId);
    if (!route) return participantId;
    if (kind === 'video') return route.committed;
    // Audio follows the video source when that source publishes audio (lip sync through the agent).
    const src = this.#peers.get(route.committed);
    return src?.produces('audio') ? route.committed : participantId;
  }

  // ---------- PeerHost ----------

  hasPeer(id: string): boolean {
    return this.#peers.get(id)?.closed === false;
  }

  onProduce(source: WeriftPeer): void {
    this.#refreshSubscribers(source);
  }

  carries(participantId: string, kind: Kind, raw: boolean): boolean {
    if (this.#peers.get(participantId)?.produces(kind)) return true;
    const route = raw ? undefined : this.#routes.get(participantId);
    if (!route) return false;
    return !!(
      this.#peers.get(route.target)?.produces(kind) || this.#peers.get(route.committed)?.produces(kind)
    );
  }

  onRtp(source: WeriftPeer, kind: Kind, rtp: RtpPacket): void {
    if (this.#closed) return;
    // Pending switches to this source complete at its keyframe (or after a timeout).
    if (kind === 'video') {
      for (const [pid, route] of this.#routes) {
        if (route.target !== source.id || route.committed === route.target) continue;
        if (isVp8KeyframeStart(rtp.payload) || Date.now() - route.pendingSince > SWITCH_TIMEOUT_MS) {
          this.#commit(pid, route);
        }
      }
    }
    // The publisher's extension ids must not overwrite the subscriber's (mid, abs-send-time are re-added).
    rtp.header.extensions = [];
    if (kind === 'audio') {
      // Own audio: raw subscribers (the agent) at once; the others through the lip-sync delay.
      this.#forwardTo(source.id, source, 'audio', rtp, true);
      const q = this.#audioDelays.get(source.id);
      if (this.#routedVideo(source.id) || (q && q.delayMs > 0)) this.#audioQueue(source.id, source).push(rtp);
      else this.#forwardTo(source.id, source, 'audio', rtp, false);
      // Audio a routed source publishes itself (an agent that carries audio) goes straight through.
      for (const pid of this.#routes.keys()) {
        if (pid !== source.id && this.#effectiveSource(pid, 'audio') === source.id) {
          this.#forwardTo(pid, source, 'audio', rtp, false);
        }
      }
      return;
    }
    // Video: raw subscribers of the source, and everyone whose video comes from it (itself or routed to it).
    this.#forwardTo(source.id, source, kind, rtp, true);
    this.#forwardTo(source.id, source, kind, rtp, false);
    for (const pid of this.#routes.keys()) {
      if (pid !== source.id) this.#forwardTo(pid, source, kind, rtp, false);
    }
  }

  /** Sends a packet of `source` to the subscribers of `participantId` of one kind (raw ones or the others). */
  #forwardTo(participantId: string, source: WeriftPeer, kind: Kind, rtp: RtpPacket, raw: boolean): void {
    if (this.#closed || source.closed) return;
    if (!raw && this.#effectiveSource(participantId, kind) !== source.id) return;
    for (const sub of this.#peers.values()) {
      if (sub !== source && !sub.closed) sub.forward(participantId, kind, raw, source.id, rtp);
    }
  }

  onSubscriberPli(participantId: string, raw: boolean): void {
    const from = raw ? participantId : this.#effectiveSource(participantId, 'video');
    this.#peers.get(from)?.requestKeyFrame();
    // A pending switch needs the target's keyframe too.
    const route = this.#routes.get(participantId);
    if (!raw && route && route.target !== route.committed) this.#peers.get(route.target)?.requestKeyFrame();
  }

  onPeerClosed(peer: WeriftPeer): void {
    if (this.#peers.get(peer.id) !== peer) return;
    this.#peers.delete(peer.id);
    this.#exempt.delete(peer.id);
    this.#routes.delete(peer.id);
    // Nobody keeps a subscription to a peer that left: its slots go inactive and are recycled.
    for (const p of this.#peers.values()) p.unsubscribe(peer.id);
    this.#audioDelays.get(peer.id)?.close();
    this.#audioDelays.delete(peer.id);
    this.#audioDelayTargets.delete(peer.id);
    // Routes through the closed peer fall back to the participants' own cameras.
    for (const [pid, route] of [...this.#routes]) {
      if (route.target === peer.id || route.committed === peer.id) this.setRoute(pid, null);
    }
    if (!this.#closed) this.emit('peerclose', peer);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.close();
    this.#peers.clear();
    this.#routes.clear();
    for (const q of this.#audioDelays.values()) q.close();
    this.#audioDelays.clear();
    this.#onClosed(this);
    this.emit('close');
    this.removeAllListeners();
  }
}
