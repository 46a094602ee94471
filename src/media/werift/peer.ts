// One participant (browser or agent) in the werift SFU: a publisher (the connection the client offers on) and
// a subscriber (the connection the server offers on). The room routes packets between peers through the
// lookups below; the peer's state stays private to its two halves.
import type { RtpPacket } from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { Kind, Sdp } from '../sdp-types.ts';
import type {
  IceCandidateInit,
  IceTarget,
  PeerStats,
  SfuPeer,
  SfuPeerEvents,
  SubscribeOfferHandler,
  SubscribeOptions,
} from '../types.ts';
import type { IceOptions } from './config.ts';
import { Publisher } from './publisher.ts';
import type { SocketOwner } from './socket-guard.ts';
import { Subscriber } from './subscriber.ts';
import type { TaskGate } from './task-gate.ts';

const log = createLogger('media:peer');

/** What a peer needs from its room. */
export interface PeerHost {
  readonly rembBps: number;
  /** Video playout-delay cap sent to subscribers, ms (-1: none). */
  readonly maxPlayoutDelayMs: number;
  readonly rembIntervalMs: number;
  readonly pliThrottleMs: number;
  readonly ice: IceOptions;
  readonly gate: TaskGate;
  hasPeer(id: string): boolean;
  onRtp(source: WeriftPeer, kind: Kind, rtp: RtpPacket): void;
  onProduce(source: WeriftPeer, kind: Kind): void;
  /** Whether subscribers of `participantId` (raw or not) have anything of this kind to receive now. */
  carries(participantId: string, kind: Kind, raw: boolean): boolean;
  /** A subscriber lost a picture of `participantId`: ask whoever is its source for a keyframe. */
  onSubscriberPli(participantId: string, raw: boolean): void;
  onPeerClosed(peer: WeriftPeer): void;
}

export class WeriftPeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  readonly id: string;
  readonly #host: PeerHost;
  readonly #publisher: Publisher;
  readonly #subscriber: Subscriber;
  #closed = false;
  #closing: Promise<void> = Promise.resolve();

  constructor(id: string, host: PeerHost) {
    super();
    this.id = id;
    this.#host = host;
    const owner: SocketOwner = {
      label: `peer ${id}`,
      onSocketError: () => {
        // The socket is unusable (or never bound): this peer's media is gone, the process and room are not.
        log.warn(`${id}: closing after a socket error`);
        this.close();
      },
    };
    this.#publisher = new Publisher(
      {
        rembBps: host.rembBps,
        rembIntervalMs: host.rembIntervalMs,
        pliThrottleMs: host.pliThrottleMs,
        ice: host.ice,
        gate: host.gate,
      },
      {
        rtp: (kind, rtp) => host.onRtp(this, kind, rtp),
        produce: (kind) => {
          host.onProduce(this, kind);
          this.emit('produce', kind);
        },
        failed: () => this.emit('transportfailed', 'publish'),
      },
      owner,
    );
    this.#subscriber = new Subscriber(
      {
        carries: (pid, kind, raw) => host.carries(pid, kind, raw),
        onPli: (pid, raw) => host.onSubscriberPli(pid, raw),
      },
      { maxPlayoutDelayMs: host.maxPlayoutDelayMs, ice: host.ice, gate: host.gate },
      {
        connected: () => this.emit('subscribeconnected'),
        failed: () => this.emit('transportfailed', 'subscribe'),
      },
      owner,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---------- SfuPeer ----------

  publish(offer: Sdp): Promise<Sdp> {
    this.#assertOpen();
    return this.#publisher.publish(offer);
  }

  publishing(): Record<Kind, boolean> {
    return this.#publisher.publishing();
  }

  setSubscribeOfferHandler(handler: SubscribeOfferHandler): void {
    this.#subscriber.setOfferHandler(handler);
  }

  subscribe(participantId: string, options: SubscribeOptions = {}): void {
    this.#assertOpen();
    if (participantId === this.id) throw new AppError('BAD_REQUEST', 'cannot subscribe to yourself');
    // No ghost subscriptions: each would be walked for every packet and offered for ever.
    if (!this.#host.hasPeer(participantId)) {
      throw new AppError('NOT_FOUND', `no participant ${participantId} in this room`);
    }
    this.#subscriber.subscribe(participantId, options.raw ?? false);
  }

  unsubscribe(participantId: string): void {
    this.#subscriber.unsubscribe(participantId);
  }

  subscriptions(): string[] {
    return this.#subscriber.subscriptions();
  }

  renegotiate(): void {
    this.#assertOpen();
    this.#subscriber.renegotiate();
  }

  async addIceCandidate(target: IceTarget, candidate: IceCandidateInit | null): Promise<void> {
    this.#assertOpen();
    const side = target === 'publish' ? this.#publisher : this.#subscriber;
    if (!side.pc) throw new AppError('BAD_REQUEST', `no ${target} connection yet`);
    if (candidate) await side.addIceCandidate(candidate);
  }

  stats(): PeerStats {
    return {
      id: this.id,
      publishing: this.publishing(),
      packetsIn: this.#publisher.packetsIn(),
      packetsOut: this.#subscriber.packetsOut(),
      subscriptions: this.subscriptions(),
    };
  }

  // ---------- lookups for the room ----------

  /** Whether this peer publishes a kind. */
  produces(kind: Kind): boolean {
    return this.#publisher.has(kind);
  }

  /** PLI to this peer's video publisher, throttled unless forced. */
  requestKeyFrame(force = false): void {
    this.#publisher.requestKeyFrame(force);
  }

  /** Sends one packet from `sourceId` to this peer's subscription of `participantId`, if it is raw as asked. */
  forward(participantId: string, kind: Kind, raw: boolean, sourceId: string, rtp: RtpPacket): void {
    this.#subscriber.forward(participantId, kind, raw, sourceId, rtp);
  }

  /** Re-checks what the subscriptions carry (a peer started publishing, a route changed). */
  refreshSubscriptions(): void {
    this.#subscriber.refresh();
  }

  /** m-lines on the subscribe connection. */
  subscribeSlots(): number {
    return this.#subscriber.slotCount();
  }

  /** Resolves when both connections have closed their transports (after close()). */
  whenClosed(): Promise<void> {
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('CLOSED', `peer ${this.id} is closed`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = Promise.all([this.#publisher.close(), this.#subscriber.close()]).then(() => undefined);
    this.#host.onPeerClosed(this);
    this.emit('close');
    this.removeAllListeners();
  }
}
