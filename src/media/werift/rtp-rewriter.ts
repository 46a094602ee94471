// One outgoing track of a subscriber: writes each forwarded packet as its own buffer (the sender rewrites
// headers in place and keeps the packet for NACK), with sequence numbers and timestamps continued across a
// change of source, so the receiver sees one stream (werift's own replaceRTP mangles 32-bit timestamps on a
// discontinuity). Video packets carry the playout-delay cap.
import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import type { Kind } from '../sdp-types.ts';
import { PLAYOUT_DELAY_URI } from './config.ts';

/** playout-delay extension: 12-bit min and max, in 10 ms units. */
function playoutDelayPayload(maxMs: number): Buffer {
  const max = Math.min(4095, Math.round(maxMs / 10));
  return Buffer.from([0, (0 << 4) | (max >> 8), max & 0xff]);
}

/** A source id no peer has: the next packet starts a new run, whoever sends it. */
const NO_SOURCE = '';

export class RtpRewriter {
  readonly kind: Kind;
  readonly #track: MediaStreamTrack;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #playoutDelay: Buffer | null;
  /** Peer whose packets went out last (null: nothing sent yet). */
  #lastSource: string | null = null;
  #seqOffset = 0;
  #tsOffset = 0;
  #lastSeq = 0;
  #lastTs = 0;
  #lastSentAt = 0;
  packets = 0;

  constructor(
    kind: Kind,
    track: MediaStreamTrack,
    transceiver: RTCRtpTransceiver,
    maxPlayoutDelayMs: number,
  ) {
    this.kind = kind;
    this.#track = track;
    this.#transceiver = transceiver;
    this.#playoutDelay =
      kind === 'video' && maxPlayoutDelayMs >= 0 ? playoutDelayPayload(maxPlayoutDelayMs) : null;
  }

  /** The track is handed to another participant: continue numbering from here for whoever comes next. */
  breakRun(): void {
    if (this.#lastSource !== null) this.#lastSource = NO_SOURCE;
  }

  write(sourceId: string, rtp: RtpPacket): void {
    const h = rtp.header;
    const now = performance.now();
    if (this.#lastSource !== sourceId) {
      if (this.#lastSource !== null) {
        const clock = this.kind === 'video' ? 90 : 48; // ticks per ms
        const gap = Math.max(1, Math.round((now - this.#lastSentAt) * clock));
        this.#seqOffset = (this.#lastSeq + 1 - h.sequenceNumber) & 0xffff;
        this.#tsOffset = (this.#lastTs + gap - h.timestamp) >>> 0;
      }
      this.#lastSource = sourceId;
    }
    const seq = h.sequenceNumber;
    const ts = h.timestamp;
    h.sequenceNumber = (seq + this.#seqOffset) & 0xffff;
    h.timestamp = (ts + this.#tsOffset) >>> 0;
    if (this.#playoutDelay) {
      // Asks the receiver to cap its video playout delay, so irregular output from a busy agent does not grow
      // its jitter buffer to seconds. Negotiated with wrtc, but its effect there is unproven (bench/call still
      // saw 250-1000 ms jitter buffers under load); lip sync comes from the SFU's audio delay either way.
      const id = this.#transceiver.headerExtensions.find((e) => e.uri === PLAYOUT_DELAY_URI)?.id;
      if (id) h.extensions = [{ id, payload: this.#playoutDelay }];
    }
    const buf = rtp.serialize();
    h.extensions = [];
    this.#lastSeq = h.sequenceNumber;
    this.#lastTs = h.timestamp;
    this.#lastSentAt = now;
    h.sequenceNumber = seq;
    h.timestamp = ts;
    this.#track.writeRtp(buf);
    this.packets++;
  }
}
