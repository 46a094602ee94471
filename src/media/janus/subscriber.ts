// A peer's one multistream subscription in a VideoRoom. The peer says which publisher stream each of its
// slots (participant x kind) should carry; this module brings Janus there: `join` as subscriber with the first
// streams, then `update` (subscribe/unsubscribe, Janus renegotiates) and `switch` (new source on an existing
// m-line, no renegotiation). Janus's offers, whether they answer a request or come on their own (a publisher
// left), go to the client through the SubscribeOfferHandler; the answer goes back with `start`.

import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { withTimeout } from '../negotiation-timeout.ts';
import type { Kind, SubscribeOffer } from '../sdp-types.ts';
import type { SubscribeOfferHandler } from '../types.ts';
import { JanusHandle } from './handle.ts';
import type { Jsep, SubscriptionStream, VideoRoomData } from './messages.ts';
import { withProtocolMsids } from './sdp.ts';
import type { JanusSession } from './session.ts';

const log = createLogger('media:janus:subscriber');
const ANSWER_TIMEOUT_MS = 15_000;
const MAX_RETRIES = 3;

/** A publisher stream: the feed (publisher id) and its mid. */
export interface StreamRef {
  feed: number;
  mid: string;
}

/** One m-line of the subscription and what it carries for whom. */
interface Slot extends StreamRef {
  participantId: string;
  kind: Kind;
  subMid: string;
}

interface Wanted extends StreamRef {
  participantId: string;
  kind: Kind;
}

export interface SubscriberHost {
  readonly roomId: Promise<number>;
  readonly session: Promise<JanusSession>;
  /** Video playout-delay cap asked of receivers, ms (-1: none). */
  readonly maxPlayoutDelayMs: number;
  /** What each slot (key `kind participantId`) should carry now. */
  wanted(): Map<string, Wanted>;
  onConnected(): void;
  onFailed(reason: string): void;
}

const slotKey = (kind: Kind, participantId: string) => `${kind} ${participantId}`;

export class JanusSubscriber {
  readonly #host: SubscriberHost;
  #handle: Promise<JanusHandle> | null = null;
  #joined = false;
  #closed = false;
  #slots = new Map<string, Slot>();
  /** Requested in a subscribe, not yet seen in a streams list. */
  #pending: Wanted[] = [];
  #dirty = false;
  /** Consecutive passes whose subscriptions Janus left out (bounded: no hammering on a stream it refuses). */
  #retries = 0;
  #run: Promise<void> | null = null;
  #handler: SubscribeOfferHandler | null = null;
  #offers: Promise<void> = Promise.resolve();
  /** An offer that came before the handler was set. */
  #held: SubscribeOffer | null = null;

  constructor(host: SubscriberHost) {
    this.#host = host;
  }

  /** Brings the subscription to what the host wants; resolves when Janus has accepted the requests. */
  sync(): Promise<void> {
    this.#dirty = true;
    if (!this.#run) {
      this.#run = this.#loop().finally(() => {
        this.#run = null;
      });
    }
    return this.#run;
  }

  /** The sub-mids carrying each participant's kinds, as the client's map. */
  tracks(): SubscribeOffer['tracks'] {
    const out: SubscribeOffer['tracks'] = {};
    for (const s of this.#slots.values()) out[s.subMid] = { participantId: s.participantId, kind: s.kind };
    return out;
  }

  /** The publisher stream a slot carries now (after Janus confirmed it). */
  carried(kind: Kind, participantId: string): StreamRef | undefined {
    return this.#slots.get(slotKey(kind, participantId));
  }

  /** The subscriber handle, once something was subscribed. */
  handle(): Promise<JanusHandle> | null {
    return this.#handle;
  }

  setOfferHandler(handler: SubscribeOfferHandler): void {
    this.#handler = handler;
    const held = this.#held;
    this.#held = null;
    if (held) this.#queueOffer(held);
  }

  /** Asks Janus for a fresh offer (with an ICE restart), as the client's renegotiate request wants. */
  async restart(): Promise<void> {
    if (!this.#joined || !this.#handle) return;
    const h = await this.#handle;
    await h.send({ request: 'configure', restart: true });
  }

  async #loop(): Promise<void> {
    while (this.#dirty && !this.#closed) {
      this.#dirty = false;
      try {
        await this.#reconcile();
      } catch (e) {
        // A publisher that just left ("No such feed", 428) is expected: Janus's next streams list resyncs.
        if (this.#closed) return;
        const msg = (e as Error).message;
        if (msg.includes('(428)')) log.debug('subscription update raced a leaving publisher', msg);
        else log.warn('subscription update failed', msg);
      }
    }
  }

  async #reconcile(): Promise<void> {
    const wanted = this.#host.wanted();
    const subscribe: Wanted[] = [];
    const unsubscribe: string[] = [];
    const switches: Array<{ feed: number; mid: string; sub_mid: string }> = [];
    for (const [key, w] of wanted) {
      const slot = this.#slots.get(key);
      if (!slot) {
        if (!this.#pending.some((p) => slotKey(p.kind, p.participantId) === key)) subscribe.push(w);
      } else if (slot.feed !== w.feed || slot.mid !== w.mid) {
        switches.push({ feed: w.feed, mid: w.mid, sub_mid: slot.subMid });
      }
    }
    for (const [key, slot] of this.#slots) if (!wanted.has(key)) unsubscribe.push(slot.subMid);
    if (!subscribe.length && !unsubscribe.length && !switches.length) return;
    const handle = await this.#ensureHandle();
    if (this.#closed) return;
    const refs = (ws: Wanted[]) => ws.map((w) => ({ feed: w.feed, mid: w.mid }));
    this.#pending.push(...subscribe);
    const unmatched = () => subscribe.filter((w) => this.#pending.includes(w));
    let reply: VideoRoomData | null = null;
    try {
      if (!this.#joined) {
        if (!subscribe.length) return;
        const room = await this.#host.roomId;
        reply = (await handle.send({ request: 'join', ptype: 'subscriber', room, streams: refs(subscribe) }))
          .data;
        this.#joined = true;
      } else if (subscribe.length || unsubscribe.length) {
        const body: Record<string, unknown> = { request: 'update' };
        if (subscribe.length) body.subscribe = refs(subscribe);
        if (unsubscribe.length) body.unsubscribe = unsubscribe.map((m) => ({ sub_mid: m }));
        reply = (await handle.send(body)).data;
      }
    } catch (e) {
      this.#dropPending(subscribe);
      throw e;
    }
    // The reply's streams list (seen by #onEvent first) confirmed what it could; what it lacks is gone (a
    // publisher that left meanwhile): forget it and look again. A postponed update ('updating') confirms later.
    if (reply?.streams && unmatched().length) {
      this.#dropPending(unmatched());
      if (this.#retries++ < MAX_RETRIES) this.#dirty = true;
    } else this.#retries = 0;
    if (switches.length && this.#joined) {
      const res = await handle.send({ request: 'switch', streams: switches });
      const changes = (res.data as { changes?: number }).changes;
      // The room retries a route whose switches did not all take (JanusRoom#switchAll).
      if (changes !== undefined && changes < switches.length)
        log.debug(`switch: ${changes} of ${switches.length} done`);
    }
  }

  #ensureHandle(): Promise<JanusHandle> {
    if (!this.#handle) {
      this.#handle = this.#host.session.then(async (session) => {
        const h = await JanusHandle.attach(session);
        h.on('event', (data, jsep) => this.#onEvent(data, jsep));
        h.on('webrtcup', () => this.#host.onConnected());
        h.on('hangup', (reason) => {
          if (!this.#closed) this.#host.onFailed(`hangup: ${reason}`);
        });
        if (this.#closed) void h.detach();
        return h;
      });
      // A failure surfaces through the sync that awaits it.
      this.#handle.catch(() => undefined);
    }
    return this.#handle;
  }

  #onEvent(data: VideoRoomData, jsep: Jsep | undefined): void {
    if (this.#closed) return;
    if (data.streams) this.#applyStreams(data.streams);
    if (jsep?.type === 'offer') {
      const tracks = this.tracks();
      log.debug(`offer (${data.videoroom}) for ${JSON.stringify(tracks)}`);
      const offer: SubscribeOffer = {
        offer: { type: 'offer', sdp: withProtocolMsids(jsep.sdp, tracks) },
        tracks,
      };
      if (this.#handler) this.#queueOffer(offer);
      else this.#held = offer;
    }
  }

  /** Janus's list of the subscription's streams: confirms requested slots, drops the ones it removed. */
  #applyStreams(streams: SubscriptionStream[]): void {
    const live = new Map<string, SubscriptionStream>();
    for (const s of streams) {
      if (s.active === false || s.feed_id === undefined || s.feed_mid === undefined) continue;
      if (s.type === 'audio' || s.type === 'video') live.set(s.mid, s);
    }
    let lost = false;
    for (const [key, slot] of this.#slots) {
      const s = live.get(slot.subMid);
      if (!s) {
        this.#slots.delete(key);
        lost = true;
        continue;
      }
      slot.feed = s.feed_id as number;
      slot.mid = s.feed_mid as string;
    }
    const taken = new Set([...this.#slots.values()].map((s) => s.subMid));
    let confirmed = false;
    for (const p of this.#pending) {
      const s = [...live.values()].find(
        (x) => !taken.has(x.mid) && x.feed_id === p.feed && x.feed_mid === p.mid,
      );
      if (!s) continue;
      taken.add(s.mid);
      this.#slots.set(slotKey(p.kind, p.participantId), { ...p, subMid: s.mid });
      confirmed = true;
    }
    this.#dropPending(this.#pending.filter((p) => this.#slots.get(slotKey(p.kind, p.participantId))));
    // Janus removed streams on its own (a publisher left): what is wanted may be served by another source.
    // A confirmed slot may be wanted from another source by now (a route set while it was on its way).
    if (lost || confirmed) void this.sync();
  }

  #dropPending(ws: Wanted[]): void {
    this.#pending = this.#pending.filter((p) => !ws.includes(p));
  }

  #queueOffer(offer: SubscribeOffer): void {
    this.#offers = this.#offers.then(() => this.#answer(offer));
  }

  async #answer(offer: SubscribeOffer): Promise<void> {
    const handler = this.#handler;
    if (this.#closed || !handler || !this.#handle) return;
    try {
      const answer = await withTimeout(handler(offer), 'answer', ANSWER_TIMEOUT_MS);
      if (this.#closed) return;
      if (answer.type !== 'answer')
        throw new AppError('BAD_REQUEST', 'subscribe:offer expects an SDP answer');
      const h = await this.#handle;
      await h.send({ request: 'start' }, { type: 'answer', sdp: answer.sdp });
      await this.#capPlayoutDelay(h);
    } catch (e) {
      if (this.#closed) return;
      log.warn('subscribe negotiation failed', (e as Error).message);
      this.#host.onFailed((e as Error).message);
    }
  }

  /**
   * Janus's playout-delay extension (min 0, max the cap, in 10 ms units) on every stream, as the werift SFU
   * sends it: with min 0 libwebrtc renders frames as they are decoded instead of holding them ~20 ms.
   * Configured per stream, so again after each negotiation (new m-lines).
   */
  async #capPlayoutDelay(h: JanusHandle): Promise<void> {
    const max = this.#host.maxPlayoutDelayMs;
    if (max < 0) return;
    try {
      await h.send({ request: 'configure', min_delay: 0, max_delay: Math.min(4095, Math.round(max / 10)) });
    } catch (e) {
      log.debug('playout delay not configured', (e as Error).message);
    }
  }

  /** Ends the subscription (detaching the handle tears down its PeerConnection). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#slots.clear();
    this.#pending = [];
    const h = await this.#handle?.catch(() => null);
    await h?.detach();
  }
}
