// The publish side of a peer (mediasoup's Producer): the connection the client offers on, one producer per
// kind (its latest track), keyframe requests (throttled) and the REMB that grants the video publisher its
// bandwidth. Packets go to the room through `onRtp`; nothing here knows who receives them.
import {
  type MediaStreamTrack,
  ReceiverEstimatedMaxBitrate,
  type RTCPeerConnection,
  type RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  type RtpPacket,
} from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { withTimeout } from '../negotiation-timeout.ts';
import type { Kind, Sdp } from '../sdp-types.ts';
import type { IceCandidateInit } from '../types.ts';
import type { IceOptions } from './config.ts';
import { addCandidate, closeConnection, createConnection } from './connection.ts';
import { adoptSockets, type SocketOwner } from './socket-guard.ts';
import type { TaskGate } from './task-gate.ts';

const log = createLogger('media:publisher');

export interface PublisherOptions {
  rembBps: number;
  rembIntervalMs: number;
  pliThrottleMs: number;
  ice: IceOptions;
  /** The SFU's SDP work, one task at a time. */
  gate: TaskGate;
}

export interface PublisherEvents {
  rtp(kind: Kind, rtp: RtpPacket): void;
  /** A kind's first track (or a replacement) arrived. */
  produce(kind: Kind): void;
  failed(): void;
}

interface Producer {
  track: MediaStreamTrack;
  transceiver: RTCRtpTransceiver;
  lastPliAt: number;
}

export class Publisher {
  readonly #options: PublisherOptions;
  readonly #events: PublisherEvents;
  readonly #owner: SocketOwner;
  #pc: RTCPeerConnection | null = null;
  readonly #producers = new Map<Kind, Producer>();
  #rembTimer: NodeJS.Timeout | null = null;
  readonly #packetsIn: Record<Kind, number> = { audio: 0, video: 0 };
  #closed = false;

  constructor(options: PublisherOptions, events: PublisherEvents, owner: SocketOwner) {
    this.#options = options;
    this.#events = events;
    this.#owner = owner;
  }

  /** Applies the client's publish offer (first or renegotiation) and returns the answer. */
  async publish(offer: Sdp): Promise<Sdp> {
    if (offer.type !== 'offer') throw new AppError('BAD_REQUEST', 'publish expects an SDP offer');
    if (!/^v=0\r?\n/.test(offer.sdp) || !/^m=(audio|video) /m.test(offer.sdp)) {
      throw new AppError('BAD_REQUEST', 'publish offer is not an SDP with audio or video');
    }
    const pc = this.#pc ?? this.#createPc();
    try {
      await this.#options.gate.run(async () => {
        await withTimeout(pc.setRemoteDescription(offer), 'setRemoteDescription');
        const answer = await withTimeout(pc.createAnswer(), 'createAnswer');
        await withTimeout(pc.setLocalDescription(answer), 'setLocalDescription');
      });
      if (this.#closed) throw new AppError('CLOSED', 'peer closed during publish');
      adoptSockets(pc, this.#owner);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('NEGOTIATION_FAILED', `publish negotiation failed: ${(e as Error).message}`);
    }
    const local = pc.localDescription;
    if (!local) throw new AppError('NEGOTIATION_FAILED', 'no local description');
    return { type: 'answer', sdp: local.sdp };
  }

  get pc(): RTCPeerConnection | null {
    return this.#pc;
  }

  has(kind: Kind): boolean {
    return this.#producers.has(kind);
  }

  publishing(): Record<Kind, boolean> {
    return { audio: this.has('audio'), video: this.has('video') };
  }

  packetsIn(): Record<Kind, number> {
    return { ...this.#packetsIn };
  }

  #createPc(): RTCPeerConnection {
    const pc = createConnection(this.#options.ice);
    this.#pc = pc;
    pc.onTrack.subscribe((track) => this.#onTrack(pc, track));
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.#events.failed();
    });
    this.#rembTimer = setInterval(() => this.#sendRemb(), this.#options.rembIntervalMs);
    this.#rembTimer.unref();
    return pc;
  }

  #onTrack(pc: RTCPeerConnection, track: MediaStreamTrack): void {
    const transceiver = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (!transceiver || this.#closed) return;
    if (track.kind !== 'audio' && track.kind !== 'video') return;
    const kind: Kind = track.kind;
    if (this.#producers.get(kind)?.track === track) return;
    this.#producers.set(kind, { track, transceiver, lastPliAt: 0 });
    track.onReceiveRtp.subscribe((rtp) => {
      // A replaced track's late packets are not this kind's stream any more.
      if (this.#closed || this.#producers.get(kind)?.track !== track) return;
      this.#packetsIn[kind]++;
      this.#events.rtp(kind, rtp);
    });
    log.debug(`publishes ${kind}`, { ssrc: track.ssrc });
    this.#events.produce(kind);
    if (kind === 'video') {
      this.requestKeyFrame(true);
      // The ssrc is known only once packets arrive; ask again then.
      track.onReceiveRtp.once(() => this.requestKeyFrame(true));
    }
  }

  /** PLI to the video publisher, throttled unless forced. */
  requestKeyFrame(force = false): void {
    const p = this.#producers.get('video');
    if (!p || this.#closed) return;
    const now = Date.now();
    if (!force && now - p.lastPliAt < this.#options.pliThrottleMs) return;
    const ssrc = p.track.ssrc;
    if (ssrc === undefined) return;
    p.lastPliAt = now;
    p.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  #sendRemb(): void {
    const p = this.#producers.get('video');
    if (!p || p.track.ssrc === undefined || this.#closed) return;
    // REMB mantissa is 18 bits: shift the bitrate down until it fits and count the shifts as the exponent.
    let mantissa = Math.max(1, Math.round(this.#options.rembBps));
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

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    if (!this.#pc) throw new AppError('BAD_REQUEST', 'no publish connection yet');
    await addCandidate(this.#pc, candidate);
  }

  /** Closes the connection (its ICE transport and sockets); resolves when werift has closed them. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#rembTimer) clearInterval(this.#rembTimer);
    this.#producers.clear();
    const pc = this.#pc;
    this.#pc = null;
    return closeConnection(pc);
  }
}
