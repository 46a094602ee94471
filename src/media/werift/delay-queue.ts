// Holds a participant's audio packets back by a set delay before forwarding (lip sync with processed video that
// reaches the SFU later than the raw audio). The delay moves in small steps per packet so the receiver's jitter
// buffer absorbs the change without an audible gap.
import { RtpPacket } from 'werift';

/** Largest delay applied, ms: beyond it the picture is too late to be worth waiting for. */
export const MAX_AUDIO_DELAY_MS = 1000;
const STEP_MS = 2;
/**
 * Target changes smaller than this are ignored: each change reaches the receiver's audio jitter buffer as
 * jitter, and it keeps a larger buffer (later audio) for many seconds after (bench/call: +40-90 ms).
 */
const HYSTERESIS_MS = 10;

export class RtpDelayQueue {
  #queue: Array<{ rtp: RtpPacket; due: number }> = [];
  #timer: NodeJS.Timeout | null = null;
  #delay = 0;
  #target = 0;
  #out: (rtp: RtpPacket) => void;
  #closed = false;

  constructor(out: (rtp: RtpPacket) => void) {
    this.#out = out;
  }

  get delayMs(): number {
    return this.#delay;
  }

  setDelay(ms: number): void {
    const next = Math.max(0, Math.min(MAX_AUDIO_DELAY_MS, Number.isFinite(ms) ? ms : 0));
    if (next === 0 || Math.abs(next - this.#target) >= HYSTERESIS_MS) this.#target = next;
  }

  get targetMs(): number {
    return this.#target;
  }

  push(rtp: RtpPacket): void {
    if (this.#closed) return;
    this.#delay +=
      Math.sign(this.#target - this.#delay) * Math.min(STEP_MS, Math.abs(this.#target - this.#delay));
    if (this.#delay <= 0 && this.#queue.length === 0) {
      this.#out(rtp);
      return;
    }
    // The packet object is the SFU's for this dispatch only: keep a copy.
    this.#queue.push({ rtp: RtpPacket.deSerialize(rtp.serialize()), due: performance.now() + this.#delay });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#drain(), 5);
      this.#timer.unref();
    }
  }

  #drain(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0].due <= now) {
      const head = this.#queue.shift();
      if (head) this.#out(head.rtp);
    }
    if (this.#queue.length === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#queue = [];
  }
}
