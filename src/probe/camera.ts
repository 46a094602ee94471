// A headless camera (and microphone) for tests and the call benchmark: pushes I420 frames into a wrtc
// RTCVideoSource at a fixed rate, either a fixture clip (MJPEG decoded once) or a moving synthetic pattern,
// optionally stamped with the frame counter; the microphone plays a tone burst at every marked frame.
import wrtc from '@roamhq/wrtc';
import { readMjpeg } from '../util/mjpeg.ts';
import type { I420Frame } from '../video/frame.ts';
import { decodeImage, rgbaToI420 } from '../video/image.ts';
import { writeStamp } from '../video/stamp.ts';

const { RTCVideoSource, RTCAudioSource } = wrtc.nonstandard;

/** A moving pattern: gradient + a bright square that travels, so every frame differs. */
export function syntheticFrame(width: number, height: number, n: number): I420Frame {
  const data = new Uint8Array(width * height * 1.5);
  const sx = (n * 7) % Math.max(1, width - 64);
  const sy = (n * 3) % Math.max(1, height - 64);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x >= sx && x < sx + 64 && y >= sy && y < sy + 64;
      data[y * width + x] = inSquare ? 220 : 40 + ((x + y + n) & 127);
    }
  }
  const cw = width >> 1;
  const ch = height >> 1;
  data.fill(110, width * height, width * height + cw * ch);
  data.fill(150, width * height + cw * ch);
  return { format: 'i420', width, height, data };
}

/** Decodes an MJPEG clip to I420 frames (optionally only the first `limit`). */
export async function loadClip(path: string, limit = Number.POSITIVE_INFINITY): Promise<I420Frame[]> {
  const jpegs = readMjpeg(path).slice(0, limit);
  const frames: I420Frame[] = [];
  for (const j of jpegs) frames.push(rgbaToI420(await decodeImage(j)));
  return frames;
}

export interface CameraOptions {
  fps?: number;
  /** Clip frames to loop; default a 512x512 synthetic pattern. */
  clip?: I420Frame[];
  width?: number;
  height?: number;
  /** Stamp the frame counter into each frame (see stamp.ts). */
  stamp?: boolean;
  /** Also create a microphone track: silence with a 1 kHz burst at each frame whose counter % markEvery == 0. */
  audio?: boolean;
  markEvery?: number;
}

export class HeadlessCamera {
  readonly video: MediaStreamTrack;
  readonly audio: MediaStreamTrack | null;
  /** Send time (ms, performance.now) of each stamped counter. */
  readonly sentAt = new Map<number, number>();
  /** Send times of audio bursts. */
  readonly burstsAt: number[] = [];
  frameCount = 0;
  #source = new RTCVideoSource();
  #audioSource: InstanceType<typeof RTCAudioSource> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #audioTimer: NodeJS.Timeout | null = null;
  #burstLeft = 0;
  #phase = 0;
  #opts: Required<Omit<CameraOptions, 'clip'>> & { clip?: I420Frame[] };

  constructor(opts: CameraOptions = {}) {
    this.#opts = {
      fps: opts.fps ?? 25,
      clip: opts.clip,
      width: opts.clip?.[0]?.width ?? opts.width ?? 512,
      height: opts.clip?.[0]?.height ?? opts.height ?? 512,
      stamp: opts.stamp ?? false,
      audio: opts.audio ?? false,
      markEvery: opts.markEvery ?? 25,
    };
    this.video = this.#source.createTrack();
    if (this.#opts.audio) {
      this.#audioSource = new RTCAudioSource();
      this.audio = this.#audioSource.createTrack();
    } else this.audio = null;
  }

  tracks(): MediaStreamTrack[] {
    return this.audio ? [this.video, this.audio] : [this.video];
  }

  /** The frame the camera sends as number n (before stamping). */
  frameAt(n: number): I420Frame {
    const { clip, width, height } = this.#opts;
    if (clip?.length) {
      const f = clip[n % clip.length];
      return { format: 'i420', width: f.width, height: f.height, data: f.data.slice() };
    }
    return syntheticFrame(width, height, n);
  }

  start(): void {
    if (this.#timer) return;
    const period = 1000 / this.#opts.fps;
    const t0 = performance.now();
    const tick = () => {
      const n = this.frameCount++;
      const frame = this.frameAt(n);
      if (this.#opts.stamp) {
        writeStamp(frame, n & 0xffff);
        this.sentAt.set(n & 0xffff, performance.now());
      }
      if (this.#audioSource && n % this.#opts.markEvery === 0) {
        this.#burstLeft = 5; // 50 ms burst
        this.burstsAt.push(performance.now());
      }
      this.#source.onFrame({ width: frame.width, height: frame.height, data: frame.data });
      // Keep the cadence from drifting with timer jitter.
      const next = t0 + (n + 1) * period - performance.now();
      this.#timer = setTimeout(tick, Math.max(0, next));
    };
    tick();
    if (this.#audioSource) {
      const src = this.#audioSource;
      const samples = new Int16Array(480);
      const a0 = performance.now();
      let chunks = 0;
      const audioTick = () => {
        if (this.#burstLeft > 0) {
          for (let i = 0; i < 480; i++)
            samples[i] = Math.round(12000 * Math.sin((2 * Math.PI * 1000 * this.#phase++) / 48000));
          this.#burstLeft--;
        } else {
          // Low noise, not digital silence: libwebrtc sends nothing for all-zero input and its RTP clock then
          // stops, which breaks the receiver's A/V sync (a real microphone never gives exact zeros).
          for (let i = 0; i < 480; i++) samples[i] = ((Math.random() * 41) | 0) - 20;
        }
        src.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
        chunks++;
        this.#audioTimer = setTimeout(audioTick, Math.max(0, a0 + chunks * 10 - performance.now()));
      };
      audioTick();
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#audioTimer) clearTimeout(this.#audioTimer);
    this.#timer = null;
    this.#audioTimer = null;
    this.video.stop();
    this.audio?.stop();
  }
}
