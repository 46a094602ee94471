// The subscribe side of a peer (mediasoup's Consumers): the connection the server offers on, the
// participants this peer receives, and the outgoing tracks (slots) that carry them. One negotiation at a time,
// with a mid -> {participant, kind} map in each offer.
//
// Slots are recycled, never removed: a departed participant's slot goes inactive in the next offer and, once
// that offer is answered, carries the next participant who needs one (browsers fire `track` again when an
// inactive m-line turns sendonly). So a subscribe SDP holds at most two m-lines per participant that publishes
// now, however many came and went; removed m-lines would stay in the SDP for ever (port 0) and broke
// renegotiation after ~54 departures. A slot is taken only when its participant has something of that kind.
import {
  MediaStream,
  MediaStreamTrack,
  type RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { withTimeout } from '../negotiation-timeout.ts';
import type { Kind, SubscribeOffer } from '../sdp-types.ts';
import type { IceCandidateInit, SubscribeOfferHandler } from '../types.ts';
import type { IceOptions } from './config.ts';
import { addCandidate, closeConnection, createConnection } from './connection.ts';
import { keepInactiveSections } from './inactive-sections.ts';
import { RtpRewriter } from './rtp-rewriter.ts';
import { adoptSockets, type SocketOwner } from './socket-guard.ts';
import type { TaskGate } from './task-gate.ts';

const log = createLogger('media:subscriber');
const KINDS: Kind[] = ['audio', 'video'];

export interface SubscriberOptions {
  maxPlayoutDelayMs: number;
  ice: IceOptions;
  /** The SFU's SDP work, one task at a time. */
  gate: TaskGate;
}

/** What the subscriber asks of its room. */
export interface SubscriberHost {
  /** Whether a subscription to this participant (raw or not) has anything of this kind to receive now. */
  carries(participantId: string, kind: Kind, raw: boolean): boolean;
  /** A receiver lost a picture of the participant: its source should send a keyframe. */
  onPli(participantId: string, raw: boolean): void;
}

export interface SubscriberEvents {
  connected(): void;
  failed(): void;
}

interface Slot {
  readonly kind: Kind;
  readonly transceiver: RTCRtpTransceiver;
  readonly rewriter: RtpRewriter;
  /** The participant carried; null when the slot is not in use. */
  owner: string | null;
  /** Released, and not yet offered as inactive: cannot carry anyone else until that offer is answered. */
  releasing: boolean;
}

interface Subscription {
  raw: boolean;
  slots: Partial<Record<Kind, Slot>>;
}

export class Subscriber {
  readonly #host: SubscriberHost;
  readonly #options: SubscriberOptions;
  readonly #events: SubscriberEvents;
  readonly #owner: SocketOwner;
  #pc: RTCPeerConnection | null = null;
  readonly #subs = new Map<string, Subscription>();
  readonly #slots: Slot[] = [];
  #offerHandler: SubscribeOfferHandler | null = null;
  #negotiating = false;
  #scheduled = false;
  /** The SDP differs from the last one offered (slots taken or released). */
  #changed = false;
  /** Someone asked for an offer even without changes. */
  #offerWanted = false;
  #closed = false;

  constructor(
    host: SubscriberHost,
    options: SubscriberOptions,
    events: SubscriberEvents,
    owner: SocketOwner,
  ) {
    this.#host = host;
    this.#options = options;
    this.#events = events;
    this.#owner = owner;
  }

  get pc(): RTCPeerConnection | null {
    return this.#pc;
  }

  setOfferHandler(handler: SubscribeOfferHandler): void {
    this.#offerHandler = handler;
    // A new handler (a client that reconnected its signaling) needs the current offer even if nothing changed.
    if (this.#slots.length > 0) this.#offerWanted = true;
    this.#schedule();
  }

  subscribe(participantId: string, raw: boolean): void {
    const existing = this.#subs.get(participantId);
    if (existing) {
      existing.raw = raw;
      this.refresh(); // raw or not, the participant may carry other kinds (a routed agent's audio)
      return;
    }
    this.#subs.set(participantId, { raw, slots: {} });
    this.refresh();
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
      slot.rewriter.breakRun();
      // Not removeTrack/stop: werift offers a stopped transceiver as a rejected m-section (port 0) that stays
      // in the BUNDLE group for ever; inactive keeps the m-line live for the next participant.
      slot.transceiver.setDirection('inactive');
      this.#changed = true;
    }
    this.#schedule();
  }

  has(participantId: string): boolean {
    return this.#subs.has(participantId);
  }

  subscriptions(): string[] {
    return [...this.#subs.keys()];
  }

  /** m-lines (slots) on the subscribe connection, in use or not. */
  slotCount(): number {
    return this.#slots.length;
  }

  /** Re-checks what the subscriptions should carry (someone started publishing, a route changed). */
  refresh(): void {
    if (this.#closed) return;
    for (const [pid, sub] of this.#subs) {
      for (const kind of KINDS) {
        if (!sub.slots[kind] && this.#host.carries(pid, kind, sub.raw)) {
          this.#schedule();
          return;
        }
      }
    }
  }

  /** Sends a fresh offer even without changes. */
  renegotiate(): void {
    this.#connection();
    this.#offerWanted = true;
    this.#schedule();
  }

  /** Writes a packet to the subscription of `participantId` of that kind, when it matches `raw`. */
  forward(participantId: string, kind: Kind, raw: boolean, sourceId: string, rtp: RtpPacket): void {
    const sub = this.#subs.get(participantId);
    if (!sub || sub.raw !== raw) return;
    sub.slots[kind]?.rewriter.write(sourceId, rtp);
  }

  /** Whether this subscriber receives `participantId` raw (undefined: not subscribed). */
  isRaw(participantId: string): boolean | undefined {
    return this.#subs.get(participantId)?.raw;
  }

  packetsOut(): number {
    let n = 0;
    for (const s of this.#slots) n += s.rewriter.packets;
    return n;
  }

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    if (!this.#pc) throw new AppError('BAD_REQUEST', 'no subscribe connection yet');
    await addCandidate(this.#pc, candidate);
  }

  #connection(): RTCPeerConnection {
    if (this.#pc) return this.#pc;
    const pc = createConnection(this.#options.ice);
    this.#pc = pc;
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        // A fresh decoder needs a keyframe from every source it receives.
        for (const [pid, s] of this.#subs) this.#host.onPli(pid, s.raw);
        this.#events.connected();
      } else if (state === 'failed') this.#events.failed();
    });
    return pc;
  }

  /** Gives every subscription the slots its participant needs now; one that must wait for a slot still being
   * released gets it after the offer that releases it is answered. */
  #assignSlots(): void {
    for (const [pid, sub] of this.#subs) {
      for (const kind of KINDS) {
        if (sub.slots[kind] || !this.#host.carries(pid, kind, sub.raw)) continue;
        const free = this.#slots.find((s) => s.kind === kind && s.owner === null && !s.releasing);
        if (!free && this.#slots.some((s) => s.kind === kind && s.releasing)) continue;
        const slot = free ?? this.#newSlot(kind);
        slot.owner = pid;
        // Audio and video in separate streams: no lip-sync group at the receiver. werift's sender reports map
        // RTP time to its send time, and with them libwebrtc's A/V sync held video back by 100-250 ms
        // (drifting from run to run); the SFU keeps lip sync itself by delaying audio (bench/call).
        slot.transceiver.sender.setStreams([new MediaStream({ id: `${pid}-${kind}` })]);
        slot.transceiver.setDirection('sendonly');
        sub.slots[kind] = slot;
        this.#changed = true;
        if (kind === 'video') this.#host.onPli(pid, sub.raw);
      }
    }
  }

  #newSlot(kind: Kind): Slot {
    const pc = this.#connection();
    const track = new MediaStreamTrack({ kind });
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    const slot: Slot = {
      kind,
      transceiver,
      rewriter: new RtpRewriter(kind, track, transceiver, this.#options.maxPlayoutDelayMs),
      owner: null,
      releasing: false,
    };
    if (kind === 'video') {
      transceiver.sender.onPictureLossIndication.subscribe(() => {
        const raw = slot.owner === null ? undefined : this.#subs.get(slot.owner)?.raw;
        if (slot.owner !== null && raw !== undefined) this.#host.onPli(slot.owner, raw);
      });
    }
    this.#slots.push(slot);
    return slot;
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // Batch changes made in the same tick into one offer.
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
        this.#assignSlots();
        if (!this.#changed && !this.#offerWanted) break;
        this.#changed = false;
        this.#offerWanted = false;
        const released = this.#slots.filter((s) => s.releasing);
        const pc = this.#connection();
        await this.#options.gate.run(async () => {
          if (this.#closed) return;
          const offer = await withTimeout(pc.createOffer(), 'createOffer');
          await withTimeout(pc.setLocalDescription(offer), 'setLocalDescription');
        });
        if (this.#closed) return; // closed meanwhile: its sockets are gone, not missing
        adoptSockets(pc, this.#owner);
        const local = pc.localDescription;
        if (!local) throw new AppError('NEGOTIATION_FAILED', 'no local description');
        const answer = await withTimeout(
          handler(this.#offerMessage(keepInactiveSections(local.sdp))),
          'answer',
        );
        if (this.#closed) return;
        if (answer.type !== 'answer')
          throw new AppError('BAD_REQUEST', 'subscribe:offer expects an SDP answer');
        await this.#options.gate.run(() =>
          withTimeout(pc.setRemoteDescription(answer), 'setRemoteDescription'),
        );
        // The receiver has seen these inactive: they may carry someone else now (from the next turn on).
        for (const s of released) if (s.owner === null) s.releasing = false;
      }
    } catch (e) {
      if (this.#closed) return; // the peer left mid-negotiation: nothing failed
      log.warn(`${this.#owner.label}: subscribe negotiation failed`, (e as Error).message);
      // What this offer carried was not agreed: the next negotiation offers it again.
      this.#changed = true;
      this.#events.failed();
    } finally {
      this.#negotiating = false;
    }
  }

  #offerMessage(sdp: string): SubscribeOffer {
    const tracks: SubscribeOffer['tracks'] = {};
    for (const s of this.#slots) {
      const mid = s.transceiver.mid;
      if (s.owner !== null && mid !== null && mid !== undefined) {
        tracks[mid] = { participantId: s.owner, kind: s.kind };
      }
    }
    return { offer: { type: 'offer', sdp }, tracks };
  }

  /** Closes the connection (its ICE transport and sockets); resolves when werift has closed them. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#subs.clear();
    const pc = this.#pc;
    this.#pc = null;
    return closeConnection(pc);
  }
}
