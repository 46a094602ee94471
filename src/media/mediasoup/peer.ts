// One participant (browser or agent) on the mediasoup SFU: a publisher (the transport the client offers to) and a
// subscriber (the transport the server offers on). The room decides which producer feeds each subscription.
import type { types } from 'mediasoup';
import { AppError } from '../../util/errors.ts';
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
import { Publisher } from './publisher.ts';
import { Subscriber } from './subscriber.ts';

/** What a peer needs from its room. */
export interface MediasoupPeerHost {
  readonly twcc: boolean;
  createTransport(role: 'publish' | 'subscribe', peerId: string): Promise<types.WebRtcTransport>;
  capabilities(): Promise<types.RtpCapabilities>;
  hasPeer(id: string): boolean;
  source(participantId: string, kind: Kind, raw: boolean): types.Producer | null;
  onProduce(peer: MediasoupPeer, kind: Kind, producer: types.Producer): void;
  onUnproduce(peer: MediasoupPeer, kind: Kind): void;
  onPeerClosed(peer: MediasoupPeer): void;
}

export class MediasoupPeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  readonly id: string;
  readonly #host: MediasoupPeerHost;
  readonly #publisher: Publisher;
  readonly #subscriber: Subscriber;
  #closed = false;

  constructor(id: string, host: MediasoupPeerHost) {
    super();
    this.id = id;
    this.#host = host;
    const label = `peer ${id}`;
    this.#publisher = new Publisher(
      { label, twcc: host.twcc, createTransport: () => host.createTransport('publish', id) },
      {
        produce: (kind, producer) => {
          host.onProduce(this, kind, producer);
          this.emit('produce', kind);
        },
        unproduce: (kind) => host.onUnproduce(this, kind),
        failed: () => this.emit('transportfailed', 'publish'),
      },
    );
    this.#subscriber = new Subscriber(
      {
        label,
        createTransport: () => host.createTransport('subscribe', id),
        capabilities: () => host.capabilities(),
        source: (pid, kind, raw) => host.source(pid, kind, raw),
      },
      {
        connected: () => this.emit('subscribeconnected'),
        failed: () => this.emit('transportfailed', 'subscribe'),
      },
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  async publish(offer: Sdp): Promise<Sdp> {
    this.#assertOpen();
    return this.#publisher.publish(offer);
  }

  async addIceCandidate(target: IceTarget, _candidate: IceCandidateInit | null): Promise<void> {
    this.#assertOpen();
    const side = target === 'publish' ? this.#publisher : this.#subscriber;
    if (!side.hasTransport) throw new AppError('BAD_REQUEST', `no ${target} connection yet`);
    // mediasoup is ICE-lite: it learns the client's addresses from its connectivity checks.
  }

  subscribe(participantId: string, options: SubscribeOptions = {}): void {
    this.#assertOpen();
    if (participantId === this.id) throw new AppError('BAD_REQUEST', 'cannot subscribe to yourself');
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

  setSubscribeOfferHandler(handler: SubscribeOfferHandler): void {
    this.#subscriber.setOfferHandler(handler);
  }

  renegotiate(): void {
    this.#assertOpen();
    this.#subscriber.renegotiate();
  }

  publishing(): Record<Kind, boolean> {
    return this.#publisher.publishing();
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

  /** This peer's producer of a kind. */
  producer(kind: Kind): types.Producer | undefined {
    return this.#publisher.producer(kind);
  }

  produces(kind: Kind): boolean {
    return this.#publisher.producer(kind) !== undefined;
  }

  /** m-lines on the subscribe connection. */
  subscribeSlots(): number {
    return this.#subscriber.slotCount();
  }

  /** Re-checks what feeds each subscription (a route or a producer changed). */
  refreshSubscriptions(): void {
    this.#subscriber.schedule();
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('CLOSED', `peer ${this.id} is closed`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#publisher.close();
    this.#subscriber.close();
    this.#host.onPeerClosed(this);
    this.emit('close');
    this.removeAllListeners();
  }
}
