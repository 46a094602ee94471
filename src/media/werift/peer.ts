// One participant (browser or agent) in the werift SFU: a publish connection (the client offers) and a subscribe
// connection (the server offers, one negotiation at a time, with a mid -> {participant, kind} map).
import {
  MediaStream,
  MediaStreamTrack,
  ReceiverEstimatedMaxBitrate,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  type RtpPacket,
} from 'werift';
import type { Kind, Sdp, SubscribeOffer } from '../../signaling/protocol.ts';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type {
  IceCandidateInit,
  IceTarget,
  PeerStats,
  SfuPeer,
  SfuPeerEvents,
  SubscribeOfferHandler,
  SubscribeOptions,
} from '../types.ts';
import { PLAYOUT_DELAY_URI, peerConfig } from './config.ts';

const log = createLogger('media:peer');
const KINDS: Kind[] = ['audio', 'video'];
const NEGOTIATION_TIMEOUT_MS = 15_000;

/** What the room needs from a peer to route packets; kept apart from the public SfuPeer surface. */
export interface PeerHost {
  readonly rembBps: number;
  /** Video playout-delay cap sent to subscribers, ms (-1: none). */
  readonly maxPlayoutDelayMs: number;
  readonly rembIntervalMs: number;
  readonly pliThrottleMs: number;
  readonly extraHostAddresses: string[];
  onRtp(source: WeriftPeer, kind: Kind, rtp: RtpPacket): void;
  /** A subscriber lost a picture of `participantId`: ask whoever is its source for a keyframe. */
  onSubscriberPli(participantId: string, raw: boolean): void;
  onSubscriptionAdded(subscriber: WeriftPeer, participantId: string, raw: boolean): void;
  onPeerClosed(peer: WeriftPeer): void;
}

interface Producer {
  kind: Kind;
  track: MediaStreamTrack;
  transceiver: RTCRtpTransceiver;
  lastPliAt: number;
}

/** One outgoing track of a subscription: the sender rewrites ssrc/seq/timestamp; we reset offsets on a source change. */
export interface SubTrack {
  kind: Kind;
  track: MediaStreamTrack;
  transceiver: RTCRtpTransceiver;
  /** Peer whose packets went out last on this track. */
  lastSource: string | null;
  seqOffset: number;
  tsOffset: number;
  lastSeq: number;
  lastTs: number;
  lastSentAt: number;
}

export interface Subscription {
  participantId: string;
  raw: boolean;
  tracks: Record<Kind, SubTrack>;
}

/** playout-delay extension: 12-bit min and max, in 10 ms units. */
function playoutDelayPayload(maxMs: number): Buffer {
  const max = Math.min(4095, Math.round(maxMs / 10));
  return Buffer.from([0, (0 << 4) | (max >> 8), max & 0xff]);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new AppError('NEGOTIATION_FAILED', `${what} timed out`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export class WeriftPeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  readonly id: string;
  #host: PeerHost;
  #closed = false;
  #pubPc: RTCPeerConnection | null = null;
  #subPc: RTCPeerConnection | null = null;
  readonly producers = new Map<Kind, Producer>();
  readonly subs = new Map<string, Subscription>();
  #offerHandler: SubscribeOfferHandler | null = null;
  #negotiating = false;
  #negotiationDirty = false;
  #negotiationScheduled = false;
  #rembTimer: NodeJS.Timeout | null = null;
  #packetsIn: Record<Kind, number> = { audio: 0, video: 0 };
  packetsOut = 0;

  constructor(id: string, host: PeerHost) {
    super();
    this.id = id;
    this.#host = host;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---------- publish side ----------

  async publish(offer: Sdp): Promise<Sdp> {
    this.#assertOpen();
    if (offer.type !== 'offer') throw new AppError('BAD_REQUEST', 'publish expects an SDP offer');
    if (!/^v=0\r?\n/.test(offer.sdp) || !/^m=(audio|video) /m.test(offer.sdp)) {
      throw new AppError('BAD_REQUEST', 'publish offer is not an SDP with audio or video');
    }
    const pc = this.#pubPc ?? this.#createPublishPc();
    try {
      await withTimeout(pc.setRemoteDescription(offer), NEGOTIATION_TIMEOUT_MS, 'setRemoteDescription');
      const answer = await withTimeout(pc.createAnswer(), NEGOTIATION_TIMEOUT_MS, 'createAnswer');
      await withTimeout(pc.setLocalDescription(answer), NEGOTIATION_TIMEOUT_MS, 'setLocalDescription');
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('NEGOTIATION_FAILED', `publish negotiation failed: ${(e as Error).message}`);
    }
    const local = pc.localDescription;
    if (!local) throw new AppError('NEGOTIATION_FAILED', 'no local description');
    return { type: 'answer', sdp: local.sdp };
  }

  #createPublishPc(): RTCPeerConnection {
    const pc = new RTCPeerConnection(peerConfig(this.#host.extraHostAddresses));
    this.#pubPc = pc;
    pc.onTrack.subscribe((track) => this.#onPublishedTrack(pc, track));
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.emit('transportfailed', 'publish');
    });
    this.#rembTimer = setInterval(() => this.#sendRemb(), this.#host.rembIntervalMs);
    this.#rembTimer.unref();
    return pc;
  }

  #onPublishedTrack(pc: RTCPeerConnection, track: MediaStreamTrack): void {
    const transceiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (!transceiver) return;
    if (track.kind !== 'audio' && track.kind !== 'video') return;
    const kind: Kind = track.kind;
    const existing = this.producers.get(kind);
    if (existing && existing.track === track) return;
    const producer: Producer = { kind, track, transceiver, lastPliAt: 0 };
    this.producers.set(kind, producer);
    track.onReceiveRtp.subscribe((rtp) => {
      if (this.#closed) return;
      this.#packetsIn[kind]++;
      this.#host.onRtp(this, kind, rtp);
    });
    log.debug(`${this.id} publishes ${kind}`, { ssrc: track.ssrc });
    this.emit('produce', kind);
    if (kind === 'video') {
      this.requestKeyFrame(true);
      // The ssrc is known only once packets arrive; ask again then.
      track.onReceiveRtp.once(() => this.requestKeyFrame(true));
    }
  }

  /** PLI to this peer's video publisher, throttled unless forced. */
  requestKeyFrame(force = false): void {
    const p = this.producers.get('video');
    if (!p || this.#closed) return;
    const now = Date.now();
    if (!force && now - p.lastPliAt < this.#host.pliThrottleMs) return;
    const ssrc = p.track.ssrc;
    if (ssrc === undefined) return;
    p.lastPliAt = now;
    p.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  #sendRemb(): void {
    const p = this.producers.get('video');
    if (!p || p.track.ssrc === undefined || this.#closed) return;
    // REMB mantissa is 18 bits: shift the bitrate down until it fits and count the shifts as the exponent.
    let mantissa = Math.max(1, Math.round(this.#host.rembBps));
    let exp = 0;
    while (mantissa >= 1 << 18) {
      mantissa = Math.floor(mantissa / 2);
      exp++;
    }
    const remb = new ReceiverEstimatedMaxBitrate({
      senderSsrc: p.transceiver.receiver.rtcpSsrc,
      mediaSsrc: 0,
      brExp: exp,
      brMantissa: mantissa,
      ssrcNum: 1,
      ssrcFeedbacks: [p.track.ssrc],
    });
    p.transceiver.receiver.dtlsTransport
      ?.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback: remb })])
      .catch(() => undefined);
  }

  publishing(): Record<Kind, boolean> {
    return { audio: this.producers.has('audio'), video: this.producers.has('video') };
  }

  // ---------- subscribe side ----------

  setSubscribeOfferHandler(handler: SubscribeOfferHandler): void {
    this.#offerHandler = handler;
    if (this.subs.size > 0) this.#scheduleNegotiation();
  }

  subscribe(participantId: string, options: SubscribeOptions = {}): void {
    this.#assertOpen();
    if (participantId === this.id) throw new AppError('BAD_REQUEST', 'cannot subscribe to yourself');
    const raw = options.raw ?? false;
    const existing = this.subs.get(participantId);
    if (existing) {
      existing.raw = raw;
      return;
    }
    const pc = this.#subPc ?? this.#createSubscribePc();
    // Audio and video go in separate streams: no lip-sync group at the receiver. werift's sender reports map
    // RTP time to its send time, and with them libwebrtc's A/V sync held video back by 100-250 ms (drifting
    // from run to run) to match audio; the SFU keeps lip sync itself by delaying audio (bench/call).
    const make = (kind: Kind): SubTrack => {
      const track = new MediaStreamTrack({ kind });
      const streams = [new MediaStream({ id: `${participantId}-${kind}` })];
      const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams });
      const sub: SubTrack = {
        kind,
        track,
        transceiver,
        lastSource: null,
        seqOffset: 0,
        tsOffset: 0,
        lastSeq: 0,
        lastTs: 0,
        lastSentAt: 0,
      };
      if (kind === 'video') {
        transceiver.sender.onPictureLossIndication.subscribe(() => {
          const s = this.subs.get(participantId);
          if (s) this.#host.onSubscriberPli(participantId, s.raw);
        });
      }
      return sub;
    };
    this.subs.set(participantId, {
      participantId,
      raw,
      tracks: { audio: make('audio'), video: make('video') },
    });
    this.#scheduleNegotiation();
    this.#host.onSubscriptionAdded(this, participantId, raw);
  }

  unsubscribe(participantId: string): void {
    const sub = this.subs.get(participantId);
    if (!sub) return;
    this.subs.delete(participantId);
    for (const kind of KINDS) {
      const t = sub.tracks[kind];
      t.track.stop();
      // Not removeTrack: werift offers a removed track as a rejected m-section (port 0) that stays in the BUNDLE
      // group. Chromium refuses such an offer once the group's first m-section is rejected ("The m= section with
      // mid='2' should be rejected"); without that check it would move the bundle to a new transport werift
      // never connects. 'recvonly' keeps the m-section live (port 9, bundled): the browser answers 'inactive'
      // and mutes its remote track. The m-section stays in the SDP, as a rejected one would.
      t.transceiver.setDirection('recvonly');
    }
    if (!this.#closed) this.#scheduleNegotiation();
  }

  subscriptions(): string[] {
    return [...this.subs.keys()];
  }

  renegotiate(): void {
    this.#assertOpen();
    if (!this.#subPc) this.#createSubscribePc();
    this.#scheduleNegotiation();
  }

  /**
   * Writes one packet to one subscription track, as its own buffer (the sender rewrites headers in place and
   * keeps the packet for NACK). Sequence numbers and timestamps continue across a source change, so the
   * receiver sees one stream (werift's own replaceRTP mangles 32-bit timestamps on a discontinuity).
   */
  forward(sub: SubTrack, sourceId: string, rtp: RtpPacket): void {
    const h = rtp.header;
    const now = performance.now();
    if (sub.lastSource !== sourceId) {
      if (sub.lastSource !== null) {
        const clock = sub.kind === 'video' ? 90 : 48; // ticks per ms
        const gap = Math.max(1, Math.round((now - sub.lastSentAt) * clock));
        sub.seqOffset = (sub.lastSeq + 1 - h.sequenceNumber) & 0xffff;
        sub.tsOffset = (sub.lastTs + gap - h.timestamp) >>> 0;
      }
      sub.lastSource = sourceId;
    }
    const seq = h.sequenceNumber;
    const ts = h.timestamp;
    h.sequenceNumber = (seq + sub.seqOffset) & 0xffff;
    h.timestamp = (ts + sub.tsOffset) >>> 0;
    if (sub.kind === 'video' && this.#host.maxPlayoutDelayMs >= 0) {
      // Ask the receiver to cap its video playout delay, so irregular output from a busy agent does not grow
      // its jitter buffer to seconds. Negotiated with wrtc, but its effect there is unproven (bench/call still
      // saw 250-1000 ms jitter buffers under load); lip sync comes from the SFU's audio delay either way.
      const id = sub.transceiver.headerExtensions.find((e) => e.uri === PLAYOUT_DELAY_URI)?.id;
      if (id) h.extensions = [{ id, payload: playoutDelayPayload(this.#host.maxPlayoutDelayMs) }];
    }
    const buf = rtp.serialize();
    h.extensions = [];
    sub.lastSeq = h.sequenceNumber;
    sub.lastTs = h.timestamp;
    sub.lastSentAt = now;
    h.sequenceNumber = seq;
    h.timestamp = ts;
    sub.track.writeRtp(buf);
    this.packetsOut++;
  }

  #createSubscribePc(): RTCPeerConnection {
    const pc = new RTCPeerConnection(peerConfig(this.#host.extraHostAddresses));
    this.#subPc = pc;
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        // A fresh decoder needs a keyframe from every source it receives.
        for (const s of this.subs.values()) this.#host.onSubscriberPli(s.participantId, s.raw);
        this.emit('subscribeconnected');
      } else if (state === 'failed') this.emit('transportfailed', 'subscribe');
    });
    return pc;
  }

  #scheduleNegotiation(): void {
    if (this.#negotiationScheduled || this.#closed) return;
    this.#negotiationScheduled = true;
    // Batch changes made in the same tick into one offer.
    setImmediate(() => {
      this.#negotiationScheduled = false;
      void this.#negotiate();
    });
  }

  async #negotiate(): Promise<void> {
    if (this.#negotiating) {
      this.#negotiationDirty = true;
      return;
    }
    const pc = this.#subPc;
    const handler = this.#offerHandler;
    if (!pc || !handler || this.#closed) return;
    this.#negotiating = true;
    try {
      do {
        this.#negotiationDirty = false;
        const offer = await withTimeout(pc.createOffer(), NEGOTIATION_TIMEOUT_MS, 'createOffer');
        await withTimeout(pc.setLocalDescription(offer), NEGOTIATION_TIMEOUT_MS, 'setLocalDescription');
        if (this.#closed) return;
        const local = pc.localDescription;
        if (!local) throw new AppError('NEGOTIATION_FAILED', 'no local description');
        const answer = await withTimeout(
          handler(this.#offerMessage(local.sdp)),
          NEGOTIATION_TIMEOUT_MS,
          'answer',
        );
        if (this.#closed) return;
        if (answer.type !== 'answer')
          throw new AppError('BAD_REQUEST', 'subscribe:offer expects an SDP answer');
        await withTimeout(pc.setRemoteDescription(answer), NEGOTIATION_TIMEOUT_MS, 'setRemoteDescription');
      } while (this.#negotiationDirty && !this.#closed);
    } catch (e) {
      log.warn(`${this.id}: subscribe negotiation failed`, (e as Error).message);
      this.emit('transportfailed', 'subscribe');
    } finally {
      this.#negotiating = false;
    }
  }

  #offerMessage(sdp: string): SubscribeOffer {
    const tracks: SubscribeOffer['tracks'] = {};
    for (const s of this.subs.values()) {
      for (const kind of KINDS) {
        const mid = s.tracks[kind].transceiver.mid;
        if (mid !== null && mid !== undefined) tracks[mid] = { participantId: s.participantId, kind };
      }
    }
    return { offer: { type: 'offer', sdp }, tracks };
  }

  async addIceCandidate(target: IceTarget, candidate: IceCandidateInit | null): Promise<void> {
    this.#assertOpen();
    const pc = target === 'publish' ? this.#pubPc : this.#subPc;
    if (!pc) throw new AppError('BAD_REQUEST', `no ${target} connection yet`);
    if (!candidate) return;
    try {
      await pc.addIceCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? undefined,
        sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
      });
    } catch (e) {
      throw new AppError('BAD_REQUEST', `bad ICE candidate: ${(e as Error).message}`);
    }
  }

  stats(): PeerStats {
    return {
      id: this.id,
      publishing: this.publishing(),
      packetsIn: { ...this.#packetsIn },
      packetsOut: this.packetsOut,
      subscriptions: this.subscriptions(),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('CLOSED', `peer ${this.id} is closed`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#rembTimer) clearInterval(this.#rembTimer);
    for (const s of this.subs.values()) for (const kind of KINDS) s.tracks[kind].track.stop();
    this.subs.clear();
    this.producers.clear();
    for (const pc of [this.#pubPc, this.#subPc]) {
      if (pc) pc.close().catch((e) => log.debug('pc close failed', e));
    }
    this.#pubPc = null;
    this.#subPc = null;
    this.#host.onPeerClosed(this);
    this.emit('close');
    this.removeAllListeners();
  }
}
