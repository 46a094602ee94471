// Lip sync on mediasoup: a participant whose video reaches the others through an agent (later than its raw
// audio) has its audio held back by the delay the agent reports. mediasoup cannot delay a stream, so the
// audio takes a detour through this process: a direct consumer of the participant's audio, a queue, and a
// direct producer that the participant's non-raw subscribers consume. Audio is ~50 packets a second, so the
// detour is cheap; video never takes it. The delay moves in small steps so the receivers' jitter buffers
// absorb the change (as the werift backend's RtpDelayQueue does).
import type { types } from 'mediasoup';
import { createLogger } from '../../util/logger.ts';
import { MAX_AUDIO_DELAY_MS } from '../werift/delay-queue.ts';
import { directCapabilities } from './rtp.ts';

const log = createLogger('media:mediasoup:audio-relay');
const STEP_MS = 2;
/** Smaller target changes are ignored: each reaches the receivers as jitter (see delay-queue.ts). */
const HYSTERESIS_MS = 10;
const DRAIN_MS = 5;

export class AudioRelay {
  readonly producer: types.Producer;
  readonly #consumer: types.Consumer;
  #queue: Array<{ packet: Buffer; due: number }> = [];
  #timer: NodeJS.Timeout | null = null;
  #delay = 0;
  #target = 0;
  #closed = false;

  private constructor(consumer: types.Consumer, producer: types.Producer) {
    this.#consumer = consumer;
    this.producer = producer;
    consumer.on('rtp', (packet) => this.#push(packet));
    // The source went (its publisher left or replaced the track): the relay goes with it.
    consumer.on('producerclose', () => this.close());
    consumer.on('transportclose', () => this.close());
  }

  /** Relays `source` (an audio producer) through `direct`, a DirectTransport of the same router. */
  static async create(router: types.Router, direct: types.DirectTransport, source: types.Producer) {
    const consumer = await direct.consume({
      producerId: source.id,
      rtpCapabilities: directCapabilities(router),
    });
    try {
      const producer = await direct.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: consumer.rtpParameters.codecs,
          headerExtensions: [],
          encodings: [{ ssrc: consumer.rtpParameters.encodings?.[0]?.ssrc }],
          rtcp: consumer.rtpParameters.rtcp,
        },
        appData: { relayOf: source.id },
      });
      return new AudioRelay(consumer, producer);
    } catch (e) {
      consumer.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get sourceId(): string {
    return this.#consumer.producerId;
  }

  get delayMs(): number {
    return this.#delay;
  }

  setDelay(ms: number): void {
    const next = Math.max(0, Math.min(MAX_AUDIO_DELAY_MS, Number.isFinite(ms) ? ms : 0));
    if (next === 0 || Math.abs(next - this.#target) >= HYSTERESIS_MS) this.#target = next;
  }

  #push(packet: Buffer): void {
    if (this.#closed) return;
    this.#delay +=
      Math.sign(this.#target - this.#delay) * Math.min(STEP_MS, Math.abs(this.#target - this.#delay));
    if (this.#delay <= 0 && this.#queue.length === 0) {
      this.#send(packet);
      return;
    }
    this.#queue.push({ packet: Buffer.from(packet), due: performance.now() + this.#delay });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#drain(), DRAIN_MS);
      this.#timer.unref();
    }
  }

  #drain(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0].due <= now) {
      const head = this.#queue.shift();
      if (head) this.#send(head.packet);
    }
    if (this.#queue.length === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #send(packet: Buffer): void {
    if (this.#closed || this.producer.closed) return;
    try {
      this.producer.send(packet);
    } catch (e) {
      log.debug('relay send failed', (e as Error).message);
    }
  }

  /** Stops relaying and closes both ends; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#queue = [];
    this.#consumer.close();
    this.producer.close();
  }
}
