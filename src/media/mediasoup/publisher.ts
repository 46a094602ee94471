// The publish side of a peer on mediasoup: a WebRTC transport the client offers to, one producer per kind (the
// latest track of that kind wins), and the REMB cap (SFU_REMB_BPS as the transport's max incoming bitrate).
// The client's SDP offer becomes producers; the answer is written from the transport's ICE/DTLS parameters.
import type { types } from 'mediasoup';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { withTimeout } from '../negotiation-timeout.ts';
import type { Kind, Sdp } from '../sdp-types.ts';
import { acceptSection } from './rtp.ts';
import { parseSdp, remoteDtls } from './sdp-parse.ts';
import { type SectionSpec, writeSdp } from './sdp-write.ts';

const log = createLogger('media:mediasoup:publisher');

export interface PublisherHost {
  /** A WebRTC transport on the room's router. */
  createTransport(): Promise<types.WebRtcTransport>;
  readonly twcc: boolean;
  readonly label: string;
}

export interface PublisherEvents {
  /** A kind's first producer (or a replacement) exists. */
  produce(kind: Kind, producer: types.Producer): void;
  /** A kind's producer went (track removed, transport gone). */
  unproduce(kind: Kind): void;
  failed(): void;
}

interface Produced {
  producer: types.Producer;
  mid: string;
  ssrc?: number;
  /** Packets of the kind's earlier producers: the count goes on across a replaced track. */
  base: number;
}

export class Publisher {
  readonly #host: PublisherHost;
  readonly #events: PublisherEvents;
  #transport: types.WebRtcTransport | null = null;
  #creating: Promise<types.WebRtcTransport> | null = null;
  #connected = false;
  #version = 0;
  readonly #producers = new Map<Kind, Produced>();
  /** One publish negotiation at a time. */
  #chain: Promise<unknown> = Promise.resolve();
  #packetsIn: Record<Kind, number> = { audio: 0, video: 0 };
  #statsAt = 0;
  #closed = false;

  constructor(host: PublisherHost, events: PublisherEvents) {
    this.#host = host;
    this.#events = events;
  }

  get hasTransport(): boolean {
    return this.#transport !== null;
  }

  producer(kind: Kind): types.Producer | undefined {
    return this.#producers.get(kind)?.producer;
  }

  publishing(): Record<Kind, boolean> {
    return { audio: this.#producers.has('audio'), video: this.#producers.has('video') };
  }

  async publish(offer: Sdp): Promise<Sdp> {
    if (offer.type !== 'offer') throw new AppError('BAD_REQUEST', 'publish expects an SDP offer');
    const parsed = parseSdp(offer.sdp);
    if (!parsed.media.some((m) => m.type === 'audio' || m.type === 'video')) {
      throw new AppError('BAD_REQUEST', 'publish offer is not an SDP with audio or video');
    }
    const run = this.#chain.then(() => this.#apply(parsed));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #apply(parsed: ReturnType<typeof parseSdp>): Promise<Sdp> {
    const transport = await withTimeout(this.#ensureTransport(), 'publish transport');
    if (this.#closed) throw new AppError('CLOSED', 'peer closed during publish');
    if (!this.#connected) {
      await transport.connect({ dtlsParameters: remoteDtls(parsed) });
      this.#connected = true;
    }
    const sections: SectionSpec[] = [];
    const sending = new Set<string>();
    for (const m of parsed.media) {
      const accepted = acceptSection(m, this.#host.twcc);
      if (!accepted) {
        sections.push({ kind: 'rejected', type: m.type, mid: m.mid, proto: m.proto, formats: m.formats });
        continue;
      }
      sections.push(accepted.answer);
      if (accepted.answer.direction !== 'recvonly') continue;
      sending.add(accepted.mid);
      const had = this.#producers.get(accepted.kind);
      if (had && had.mid === accepted.mid && had.ssrc === accepted.ssrc) continue;
      // A new track on the same m-line: the old producer goes first (mediasoup keys producers by mid).
      if (had && had.mid === accepted.mid) this.#replace(accepted.kind, null);
      try {
        const producer = await transport.produce({
          kind: accepted.kind,
          rtpParameters: accepted.rtpParameters,
          appData: { mid: accepted.mid },
        });
        if (this.#closed) {
          producer.close();
          throw new AppError('CLOSED', 'peer closed during publish');
        }
        this.#replace(accepted.kind, {
          producer,
          mid: accepted.mid,
          ssrc: accepted.ssrc,
          base: this.#packetsIn[accepted.kind],
        });
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError('NEGOTIATION_FAILED', `cannot receive ${accepted.kind}: ${(e as Error).message}`);
      }
    }
    // A kind whose section stopped sending (track removed) is no longer produced.
    for (const [kind, p] of [...this.#producers]) {
      if (!sending.has(p.mid)) this.#replace(kind, null);
    }
    return { type: 'answer', sdp: writeSdp(transport, sections, 'passive', ++this.#version) };
  }

  #replace(kind: Kind, next: Produced | null): void {
    const old = this.#producers.get(kind);
    if (next) this.#producers.set(kind, next);
    else this.#producers.delete(kind);
    old?.producer.close();
    if (next) {
      log.debug(`${this.#host.label}: produces ${kind}`, { ssrc: next.ssrc });
      this.#events.produce(kind, next.producer);
    } else if (old) this.#events.unproduce(kind);
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
        if (state === 'failed') this.#events.failed();
      });
      return t;
    });
    return this.#creating;
  }

  /** Packets received per kind, as of the last stats read; a read older than a second starts another. */
  packetsIn(): Record<Kind, number> {
    if (performance.now() - this.#statsAt > 1000) void this.refreshStats();
    return { ...this.#packetsIn };
  }

  async refreshStats(): Promise<void> {
    this.#statsAt = performance.now();
    for (const [kind, p] of this.#producers) {
      try {
        const stats = await p.producer.getStats();
        if (this.#producers.get(kind) === p) {
          this.#packetsIn[kind] = p.base + stats.reduce((n, s) => n + s.packetCount, 0);
        }
      } catch {
        // The producer closed meanwhile: keep the last count.
      }
    }
  }

  /** Closes the transport (its producers with it); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producers.clear();
    this.#transport?.close();
    this.#transport = null;
  }
}
