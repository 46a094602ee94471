// The subscribe side of a peer on mediasoup: a WebRTC transport the server offers on, and one m-line (slot)
// per participant and kind, carried by a consumer of whichever producer the room says feeds it (the
// participant's own, an agent's, or the lip-sync relay). Changing the source swaps the slot's consumer and
// renegotiates the same m-line with the new SSRC: the receiver keeps its track, and mediasoup starts the new
// consumer at a keyframe. Slots are recycled as in the werift backend (inactive, then reused), so the SDP
// stays bounded however many come and go. Consumers start paused and resume once the answer is in.
import type { types } from 'mediasoup';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { withTimeout } from '../negotiation-timeout.ts';
import type { Kind, SubscribeOffer } from '../sdp-types.ts';
import type { SubscribeOfferHandler } from '../types.ts';
import { parseSdp, remoteDtls } from './sdp-parse.ts';
import { type SectionSpec, writeSdp } from './sdp-write.ts';

const log = createLogger('media:mediasoup:subscriber');
const KINDS: Kind[] = ['audio', 'video'];

export interface SubscriberHost {
  readonly label: string;
  createTransport(): Promise<types.WebRtcTransport>;
  /** What this peer's connection is assumed to receive. */
  capabilities(): Promise<types.RtpCapabilities>;
  /** The producer that should feed a subscription to `participantId` now (null: none yet). */
  source(participantId: string, kind: Kind, raw: boolean): types.Producer | null;
}

export interface SubscriberEvents {
  connected(): void;
  failed(): void;
}

interface Slot {
  readonly mid: string;
  readonly kind: Kind;
  owner: string | null;
  /** Released, and not yet offered as inactive: carries nobody else until that offer is answered. */
  releasing: boolean;
  /** The consumer whose packets flow now (its SSRC was answered). */
  consumer: types.Consumer | null;
  /** A consumer offered and not yet answered: it replaces `consumer` once the answer is in. */
  pending: types.Consumer | null;
  /** `consumer` is paused because nothing should feed the slot now (an avatar held: never the camera). */
  held: boolean;
  /** What the m-line says; kept while no consumer carries it, so the SDP stays stable. */
  desc: Omit<Extract<SectionSpec, { kind: 'media' }>, 'kind' | 'direction'>;
}

interface Subscription {
  raw: boolean;
  slots: Partial<Record<Kind, Slot>>;
}

export class Subscriber {
  readonly #host: SubscriberHost;
  readonly #events: SubscriberEvents;
  #transport: types.WebRtcTransport | null = null;
  #creating: Promise<types.WebRtcTransport> | null = null;
  #connected = false;
  readonly #subs = new Map<string, Subscription>();
  readonly #slots: Slot[] = [];
  #nextMid = 0;
  #version = 0;
  #offerHandler: SubscribeOfferHandler | null = null;
  #negotiating = false;
  #scheduled = false;
  #changed = false;
  #offerWanted = false;
  #restartIce = false;
  /** Packets sent by consumers that closed, and the last count of each live one. */
  #packetsBase = 0;
  readonly #packets = new Map<types.Consumer, number>();
  #statsAt = 0;
  #closed = false;

  constructor(host: SubscriberHost, events: SubscriberEvents) {
    this.#host = host;
    this.#events = events;
  }

  get hasTransport(): boolean {
    return this.#transport !== null;
  }

  setOfferHandler(handler: SubscribeOfferHandler): void {
    this.#offerHandler = handler;
    // A new handler (a client that reconnected its signaling) needs the current offer even if nothing changed.
    if (this.#slots.length > 0) this.#offerWanted = true;
    this.schedule();
  }

  subscribe(participantId: string, raw: boolean): void {
    const existing = this.#subs.get(participantId);
    if (existing) existing.raw = raw;
    else this.#subs.set(participantId, { raw, slots: {} });
    this.schedule();
  }

  unsubscribe(participantId: string): void {
    const sub = this.#subs.get(participantId);
    if (!sub) return;
    this.#subs.delete(participantId);
    for (const kind of KINDS) {
      const slot = sub.slots[kind];
      if (!slot) continue;
      slot.owner = null;
      slot.releasing = true;
      this.#drop(slot.consumer);
      this.#drop(slot.pending);
      slot.consumer = null;
      slot.pending = null;
      this.#changed = true;
    }
    this.schedule();
  }

  subscriptions(): string[] {
    return [...this.#subs.keys()];
  }

  slotCount(): number {
    return this.#slots.length;
  }

  /** Sends a fresh offer (with an ICE restart) even without changes. */
  renegotiate(): void {
    this.#restartIce = this.#transport !== null;
    this.#offerWanted = true;
    this.schedule();
  }

  /** Re-checks every subscription's source (a producer came or went, a route changed) on the next tick. */
  schedule(): void {
    if (this.#closed) return;
    // Stopping a feed cannot wait for a negotiation in flight (an avatar fails closed at once).
    this.#holdUnfed();
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#negotiate();
    });
  }

  async #negotiate(): Promise<void> {
    const handler = this.#offerHandler;
    if (this.#negotiating || !handler || this.#closed) return;
    this.#negotiating = true;
    try {
      for (;;) {
        await this.#reconcile();
        if (this.#closed) return;
        if ((!this.#changed && !this.#offerWanted) || this.#slots.length === 0) break;
        this.#changed = false;
        this.#offerWanted = false;
        const released = this.#slots.filter((s) => s.releasing);
        const offered = this.#slots.flatMap((s) => (s.pending ? [[s, s.pending] as const] : []));
        const transport = await this.#ensureTransport();
        if (this.#restartIce) {
          this.#restartIce = false;
          await transport.restartIce();
        }
        const sdp = writeSdp(transport, this.#slots.map(sectionOf), 'actpass', ++this.#version);
        const answer = await withTimeout(
          handler({ offer: { type: 'offer', sdp }, tracks: this.#tracks() }),
          'answer',
        );
        if (this.#closed) return;
        if (answer.type !== 'answer')
          throw new AppError('BAD_REQUEST', 'subscribe:offer expects an SDP answer');
        if (!this.#connected) {
          await transport.connect({ dtlsParameters: remoteDtls(parseSdp(answer.sdp)) });
          this.#connected = true;
        }
        for (const [slot, consumer] of offered) {
          if (slot.pending !== consumer) continue;
          this.#drop(slot.consumer);
          slot.consumer = consumer;
          slot.pending = null;
          slot.held = false;
          // A resumed video consumer asks its producer for a keyframe and starts at one.
          consumer.resume().catch(() => undefined);
        }
        for (const s of released) if (s.owner === null) s.releasing = false;
      }
    } catch (e) {
      if (this.#closed) return; // the peer left mid-negotiation: nothing failed
      log.warn(`${this.#host.label}: subscribe negotiation failed`, (e as Error).message);
      this.#changed = true;
      this.#events.failed();
    } finally {
      this.#negotiating = false;
    }
  }

  /** Gives every subscription a consumer of the producer that should feed it, in a slot. */
  async #reconcile(): Promise<void> {
    for (const [pid, sub] of this.#subs) {
      for (const kind of KINDS) {
        const want = this.#host.source(pid, kind, sub.raw);
        const slot = sub.slots[kind];
        if (!want) {
          if (slot) this.#hold(slot);
          continue;
        }
        const have = slot?.pending ?? slot?.consumer;
        if (have && !have.closed && have.producerId === want.id) {
          if (slot?.held && have === slot.consumer) {
            slot.held = false;
            slot.consumer.resume().catch(() => undefined);
          }
          continue;
        }
        const free = slot ?? this.#slots.find((s) => s.kind === kind && s.owner === null && !s.releasing);
        // A slot still being released is reused once its inactive offer is answered (the next turn).
        if (!free && this.#slots.some((s) => s.kind === kind && s.releasing)) continue;
        const mid = free?.mid ?? String(this.#nextMid++);
        const consumer = await this.#consume(want, mid);
        if (!consumer) continue;
        if (
          this.#closed ||
          this.#subs.get(pid) !== sub ||
          (free && free.owner !== null && free.owner !== pid)
        ) {
          this.#drop(consumer);
          continue;
        }
        const target = free ?? this.#newSlot(kind, mid);
        target.owner = pid;
        sub.slots[kind] = target;
        this.#drop(target.pending);
        target.pending = consumer;
        target.desc = describe(consumer, pid, kind, mid);
        this.#changed = true;
      }
    }
  }

  async #consume(producer: types.Producer, mid: string): Promise<types.Consumer | null> {
    try {
      const transport = await this.#ensureTransport();
      const consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: await this.#host.capabilities(),
        paused: true,
        mid,
        enableRtx: false,
      });
      this.#packets.set(consumer, 0);
      consumer.on('producerclose', () => this.#onConsumerGone(consumer));
      return consumer;
    } catch (e) {
      if (!this.#closed)
        log.debug(`${this.#host.label}: cannot consume ${producer.id}`, (e as Error).message);
      return null;
    }
  }

  #holdUnfed(): void {
    for (const [pid, sub] of this.#subs) {
      for (const kind of KINDS) {
        const slot = sub.slots[kind];
        if (slot && !this.#host.source(pid, kind, sub.raw)) this.#hold(slot);
      }
    }
  }

  /** Nothing may feed the slot now: its consumer stops (the m-line stays as it is, no renegotiation). */
  #hold(slot: Slot): void {
    this.#drop(slot.pending);
    slot.pending = null;
    if (slot.consumer && !slot.held) {
      slot.held = true;
      slot.consumer.pause().catch(() => undefined);
    }
  }

  #onConsumerGone(consumer: types.Consumer): void {
    for (const s of this.#slots) {
      if (s.consumer === consumer) s.consumer = null;
      if (s.pending === consumer) s.pending = null;
    }
    this.#drop(consumer);
    this.schedule();
  }

  #drop(consumer: types.Consumer | null): void {
    if (!consumer) return;
    this.#packetsBase += this.#packets.get(consumer) ?? 0;
    this.#packets.delete(consumer);
    consumer.close();
  }

  #newSlot(kind: Kind, mid: string): Slot {
    const slot: Slot = {
      mid,
      kind,
      owner: null,
      releasing: false,
      consumer: null,
      pending: null,
      held: false,
      desc: { type: kind, mid, codecs: [], headerExtensions: [] },
    };
    this.#slots.push(slot);
    return slot;
  }

  #tracks(): SubscribeOffer['tracks'] {
    const tracks: SubscribeOffer['tracks'] = {};
    for (const s of this.#slots)
      if (s.owner !== null) tracks[s.mid] = { participantId: s.owner, kind: s.kind };
    return tracks;
  }

  #ensureTransport(): Promise<types.WebRtcTransport> {
    if (this.#transport) return Promise.resolve(this.#transport);
    this.#creating ??= this.#host.createTransport().then((t) => {
      if (this.#closed) {
        t.close();
        throw new AppError('CLOSED', 'peer closed');
      }
      this.#transport = t;
      t.on('dtlsstatechange', (state) => {
        if (state === 'connected') this.#events.connected();
        else if (state === 'failed') this.#events.failed();
      });
      return t;
    });
    return this.#creating;
  }

  /** RTP packets sent to this peer, as of the last stats read; a read older than a second starts another. */
  packetsOut(): number {
    if (performance.now() - this.#statsAt > 1000) void this.#refreshStats();
    let n = this.#packetsBase;
    for (const c of this.#packets.values()) n += c;
    return n;
  }

  async #refreshStats(): Promise<void> {
    this.#statsAt = performance.now();
    await Promise.all(
      [...this.#packets.keys()].map(async (c) => {
        try {
          const stats = await c.getStats();
          const sent = stats.find((s) => s.type === 'outbound-rtp')?.packetCount ?? 0;
          if (this.#packets.has(c)) this.#packets.set(c, sent);
        } catch {
          // Closed meanwhile: its last count is in the base.
        }
      }),
    );
  }

  /** Closes the transport (its consumers with it); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    this.#transport?.close();
    this.#transport = null;
  }
}

function describe(consumer: types.Consumer, pid: string, kind: Kind, mid: string): Slot['desc'] {
  const p = consumer.rtpParameters;
  const stream = `${pid}-${kind}`;
  return {
    type: kind,
    mid,
    codecs: p.codecs,
    headerExtensions: p.headerExtensions ?? [],
    send: {
      ssrc: p.encodings?.[0]?.ssrc ?? 0,
      cname: p.rtcp?.cname ?? pid,
      streamId: stream,
      trackId: `${stream}-${mid}`,
    },
  };
}

function sectionOf(s: Slot): SectionSpec {
  return { ...s.desc, kind: 'media', direction: s.owner !== null ? 'sendonly' : 'inactive' };
}
