// One participant (browser or agent) on Janus: a publisher handle in the room (the client's publish offer goes
// in `joinandconfigure`, later ones in `configure`; Janus answers) and one multistream subscriber handle
// (JanusSubscriber). The feed id is the participant's numeric id in the VideoRoom.

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
import { JanusHandle } from './handle.ts';
import type { JanusSession } from './session.ts';
import { JanusSubscriber, type StreamRef } from './subscriber.ts';

const log = createLogger('media:janus:peer');
const KINDS: Kind[] = ['audio', 'video'];

/** What a peer needs from its room. */
export interface JanusPeerHost {
  readonly roomId: Promise<number>;
  readonly session: Promise<JanusSession>;
  readonly maxPlayoutDelayMs: number;
  /** The publisher stream that a subscriber of `participantId` should receive for `kind` now. */
  sourceFor(participantId: string, kind: Kind, raw: boolean): StreamRef | null;
  /** Resolves once routes through the peer are switched away (bounded). */
  onPeerClosed(peer: JanusPeer): Promise<void>;
  /** Background work the SFU waits for before it ends the session. */
  track(work: Promise<unknown>): void;
}

export class JanusPeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  readonly id: string;
  /** This participant's publisher id in the VideoRoom. */
  readonly feedId: number;
  readonly #host: JanusPeerHost;
  #closed = false;
  #publisher: Promise<JanusHandle> | null = null;
  #joined = false;
  #publishTurn: Promise<unknown> = Promise.resolve();
  /** Published streams by kind (mid), as the room's monitor saw them announced. */
  #streams = new Map<Kind, string>();
  readonly #subs = new Map<string, { raw: boolean }>();
  readonly #subscriber: JanusSubscriber;

  constructor(id: string, feedId: number, host: JanusPeerHost) {
    super();
    this.id = id;
    this.feedId = feedId;
    this.#host = host;
    this.#subscriber = new JanusSubscriber({
      roomId: host.roomId,
      session: host.session,
      maxPlayoutDelayMs: host.maxPlayoutDelayMs,
      wanted: () => this.#wanted(),
      onConnected: () => this.emit('subscribeconnected'),
      onFailed: () => {
        if (!this.#closed) this.emit('transportfailed', 'subscribe');
      },
    });
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
    // One negotiation at a time: a second joinandconfigure would be refused ("already a publisher").
    const turn = this.#publishTurn.then(() => this.#negotiatePublish(offer));
    this.#publishTurn = turn.catch(() => undefined);
    return turn;
  }

  async #negotiatePublish(offer: Sdp): Promise<Sdp> {
    this.#assertOpen();
    const handle = await this.#publisherHandle();
    const room = await this.#host.roomId;
    this.#assertOpen();
    const body = this.#joined
      ? { request: 'configure' }
      : { request: 'joinandconfigure', ptype: 'publisher', room, id: this.feedId, display: this.id };
    const res = await handle.send(body, { type: 'offer', sdp: offer.sdp });
    this.#joined = true;
    if (res.jsep?.type !== 'answer') throw new AppError('NEGOTIATION_FAILED', 'Janus sent no answer');
    return { type: 'answer', sdp: res.jsep.sdp };
  }

  #publisherHandle(): Promise<JanusHandle> {
    if (!this.#publisher) {
      this.#publisher = this.#host.session.then(async (session) => {
        const h = await JanusHandle.attach(session);
        h.on('hangup', (reason) => {
          log.debug(`${this.id} publisher hangup: ${reason}`);
          if (!this.#closed) this.emit('transportfailed', 'publish');
        });
        return h;
      });
      this.#publisher.catch(() => undefined);
    }
    return this.#publisher;
  }

  /** The room's monitor saw this feed's streams announced (or changed). */
  setStreams(streams: Map<Kind, string>): void {
    if (this.#closed) return;
    const added = KINDS.filter((k) => streams.has(k) && !this.#streams.has(k));
    this.#streams = new Map(streams);
    for (const k of added) this.emit('produce', k);
  }

  /** The mid this peer publishes `kind` on, if it does. */
  publishedMid(kind: Kind): string | undefined {
    return this.#streams.get(kind);
  }

  publishing(): Record<Kind, boolean> {
    return { audio: this.#streams.has('audio'), video: this.#streams.has('video') };
  }

  /** Asks this publisher for a keyframe (after its stream was switched in somewhere). */
  requestKeyFrame(): void {
    if (!this.#joined || !this.#publisher || this.#closed) return;
    this.#publisher
      .then((h) => h.send({ request: 'configure', keyframe: true }))
      .catch((e) => log.debug(`${this.id} keyframe request failed`, (e as Error).message));
  }

  // ---------- subscribe side ----------

  setSubscribeOfferHandler(handler: SubscribeOfferHandler): void {
    this.#subscriber.setOfferHandler(handler);
  }

  subscribe(participantId: string, options: SubscribeOptions = {}): void {
    this.#assertOpen();
    if (participantId === this.id) throw new AppError('BAD_REQUEST', 'cannot subscribe to yourself');
    this.#subs.set(participantId, { raw: options.raw ?? false });
    void this.#subscriber.sync();
  }

  unsubscribe(participantId: string): void {
    if (!this.#subs.delete(participantId) || this.#closed) return;
    void this.#subscriber.sync();
  }

  subscriptions(): string[] {
    return [...this.#subs.keys()];
  }

  renegotiate(): void {
    this.#assertOpen();
    this.#subscriber.restart().catch((e) => {
      log.warn(`${this.id}: renegotiation failed`, (e as Error).message);
      if (!this.#closed) this.emit('transportfailed', 'subscribe');
    });
  }

  /** Re-evaluates the subscription (sources changed); resolves when Janus took the changes. */
  resync(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#subscriber.sync();
  }

  /** The publisher stream this peer's slot for `participantId`'s `kind` carries now. */
  carried(participantId: string, kind: Kind): StreamRef | undefined {
    return this.#subscriber.carried(kind, participantId);
  }

  /** Whether the subscription of `participantId` (if any) carries the video the room wants for it now. */
  inStep(participantId: string): boolean {
    const sub = this.#subs.get(participantId);
    if (!sub || this.#closed) return true;
    const want = this.#host.sourceFor(participantId, 'video', sub.raw);
    if (!want) return true;
    const have = this.carried(participantId, 'video');
    return have?.feed === want.feed && have.mid === want.mid;
  }

  #wanted() {
    const out = new Map<string, StreamRef & { participantId: string; kind: Kind }>();
    for (const [participantId, { raw }] of this.#subs) {
      for (const kind of KINDS) {
        const src = this.#host.sourceFor(participantId, kind, raw);
        if (src) out.set(`${kind} ${participantId}`, { ...src, participantId, kind });
      }
    }
    return out;
  }

  async addIceCandidate(target: IceTarget, candidate: IceCandidateInit | null): Promise<void> {
    this.#assertOpen();
    // The subscriber handle exists once something was subscribed; the publisher once publish began.
    const handle = target === 'publish' ? this.#publisher : this.#subscriber.handle();
    if (!handle) throw new AppError('BAD_REQUEST', `no ${target} connection yet`);
    await (await handle).trickle(candidate);
  }

  /** The Janus session is gone: both transports with it. */
  fail(): void {
    if (this.#closed) return;
    this.emit('transportfailed', 'publish');
    this.emit('transportfailed', 'subscribe');
  }

  stats(): PeerStats {
    // Janus counts packets in its Admin API only; this backend does not use it.
    return {
      id: this.id,
      publishing: this.publishing(),
      packetsIn: { audio: 0, video: 0 },
      packetsOut: 0,
      subscriptions: this.subscriptions(),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('CLOSED', `peer ${this.id} is closed`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    // The room first switches routes away from this peer, then its handles go (a publisher's detach removes
    // its feed from every subscription in the room).
    const rerouted = this.#host.onPeerClosed(this);
    const publisher = this.#publisher;
    this.#host.track(
      Promise.all([
        this.#subscriber.close(),
        rerouted
          .then(() => publisher?.then((h) => h.detach()))
          .catch((e) => log.debug('publisher detach failed', e)),
      ]),
    );
    this.emit('close');
    this.removeAllListeners();
  }
}
