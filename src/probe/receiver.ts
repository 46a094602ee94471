// Headless receiving end for tests and the benchmark: decoded frames from a remote track (RTCVideoSink), with
// arrival times, stamps read back, and audio burst onsets (RTCAudioSink).
import wrtc from '@roamhq/wrtc';
import type { I420Frame } from '../video/frame.ts';
import { readStamp } from '../video/stamp.ts';

const { RTCVideoSink, RTCAudioSink } = wrtc.nonstandard;

export interface ReceivedFrame {
  at: number;
  width: number;
  height: number;
  stamp: number | null;
}

export class FrameCollector {
  readonly frames: ReceivedFrame[] = [];
  last: I420Frame | null = null;
  #sink: InstanceType<typeof RTCVideoSink>;
  #waiters: Array<{ n: number; resolve: () => void }> = [];
  #stopped = false;

  constructor(track: MediaStreamTrack, readStamps = false) {
    this.#sink = new RTCVideoSink(track);
    this.#sink.onframe = (ev: { frame: { width: number; height: number; data: Uint8Array } }) => {
      const { width, height, data } = ev.frame;
      const frame: I420Frame = { format: 'i420', width, height, data: new Uint8Array(data) };
      this.last = frame;
      this.frames.push({ at: performance.now(), width, height, stamp: readStamps ? readStamp(frame) : null });
      this.#waiters = this.#waiters.filter((w) => {
        if (this.frames.length >= w.n) w.resolve();
        return this.frames.length < w.n;
      });
    };
  }

  /** Resolves when `more` further frames have arrived (rejects after timeoutMs). */
  waitFrames(more: number, timeoutMs = 15_000): Promise<void> {
    const n = this.frames.length + more;
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`only ${this.frames.length}/${n} frames after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sink.stop();
  }
}

/** Onsets of tone bursts in a remote audio track (energy rising above a threshold after silence). */
export class BurstDetector {
  readonly onsets: number[] = [];
  #sink: InstanceType<typeof RTCAudioSink>;
  #quietChunks = 100;
  #stopped = false;

  constructor(track: MediaStreamTrack) {
    this.#sink = new RTCAudioSink(track);
    this.#sink.ondata = (ev: { samples: Int16Array }) => {
      const s = ev.samples;
      let e = 0;
      for (let i = 0; i < s.length; i++) e += s[i] * s[i];
      const rms = Math.sqrt(e / Math.max(1, s.length));
      if (rms > 2000) {
        if (this.#quietChunks >= 20) this.onsets.push(performance.now());
        this.#quietChunks = 0;
      } else this.#quietChunks++;
    };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sink.stop();
  }
}
