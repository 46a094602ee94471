// The agent's frame loop: a slot of one input frame (latest wins, drops counted), one frame in processing at a
// time, so the output rate follows inference. The output never freezes or goes black: a processor error yields
// the fallback for the mode, and a stalled processor is bridged (state 'busy') by the raw frames in eye contact
// and by the last avatar frame (or grey) in avatar mode: the camera never leaves as an avatar.
import type { AgentState, Mode } from '../../signaling/protocol.ts';
import { createLogger } from '../../util/logger.ts';
import type { I420Frame, RgbaFrame } from '../../video/frame.ts';
import type { AgentSettings, FrameProcessor } from './processor.ts';

const log = createLogger('inference:agent:loop');

export interface FrameLoopOptions {
  processor: FrameProcessor;
  settings: AgentSettings;
  /** Receives every output frame. */
  output: (frame: I420Frame, inputArrivedAt: number) => void;
  /** A processing call longer than this lets raw frames through meanwhile (default 400 ms). */
  stallMs?: number;
  /** Called on every output frame with the input, e.g. to carry a probe stamp across processing. */
  onOutput?: (input: I420Frame, output: I420Frame) => void;
  /** A processor result carried a debug sketch. */
  onSketch?: (sketch: RgbaFrame) => void;
  /** The first output frame made with a new mode has been emitted. */
  onModeApplied?: (mode: Mode) => void;
}

export interface FrameLoopStats {
  state: AgentState;
  message?: string;
  /** Output frames per second over the window. */
  fps: number;
  /** Input frames replaced in the slot before processing, since start. */
  drops: number;
  /** Mean processing ms/frame over the window. */
  ms: number;
  /** Mean time from input arrival to output, ms, over the window (the delay the audio needs). */
  latencyMs: number;
  framesIn: number;
  framesOut: number;
  /** Mode of the latest processed output (undefined before the first). */
  mode?: Mode;
}

const WINDOW_MS = 2000;

const isAvatar = (s: AgentSettings) => s.mode === 'avatar' || s.mode === 'both';

export class FrameLoop {
  settings: AgentSettings;
  #opts: FrameLoopOptions;
  #slot: { frame: I420Frame; at: number } | null = null;
  #busySince = 0;
  #busy = false;
  #stopped = false;
  #drops = 0;
  #framesIn = 0;
  #framesOut = 0;
  #state: AgentState = 'busy';
  #message: string | undefined = 'waiting for frames';
  #lastGood: I420Frame | null = null;
  #mode: Mode | undefined;
  #window: Array<{ t: number; ms: number; latency: number }> = [];
  #inWindow: number[] = [];
  #watchdog: NodeJS.Timeout;

  constructor(opts: FrameLoopOptions) {
    this.#opts = opts;
    this.settings = opts.settings;
    const stallMs = opts.stallMs ?? 400;
    this.#watchdog = setInterval(() => {
      // A stuck model must not freeze the picture: forward the newest raw frame instead (eye contact), or the
      // last avatar picture (avatar mode never shows the camera).
      if (this.#busy && this.#slot && performance.now() - this.#busySince > stallMs) {
        const { frame, at } = this.#slot;
        this.#slot = null;
        this.#state = 'busy';
        const avatar = isAvatar(this.settings);
        this.#message = avatar
          ? 'processing stalled; holding the avatar'
          : 'processing stalled; showing the camera';
        this.#emit(frame, avatar ? this.#privateFallback(frame) : frame, at, 0);
      }
    }, 50);
    this.#watchdog.unref();
  }

  push(frame: I420Frame): void {
    if (this.#stopped) return;
    this.#framesIn++;
    const now = performance.now();
    this.#inWindow.push(now);
    while (this.#inWindow.length && now - this.#inWindow[0] > WINDOW_MS) this.#inWindow.shift();
    if (this.#slot) this.#drops++;
    this.#slot = { frame, at: performance.now() };
    if (!this.#busy) void this.#run();
  }

  async #run(): Promise<void> {
    this.#busy = true;
    while (this.#slot && !this.#stopped) {
      const { frame, at } = this.#slot;
      this.#slot = null;
      this.#busySince = performance.now();
      const settings = this.settings;
      let out: I420Frame;
      try {
        const res = await this.#opts.processor.process(frame, settings);
        // A processor passing the camera through as a fallback must not do so in avatar mode.
        const leak = isAvatar(settings) && res.state === 'fallback-passthrough';
        out = leak ? this.#privateFallback(frame) : res.frame;
        this.#state = leak ? 'fallback-still' : res.state;
        this.#message = res.message;
        if (res.state === 'ok' && isAvatar(settings) && !leak) this.#lastGood = out;
        if (res.sketch) this.#opts.onSketch?.(res.sketch);
      } catch (e) {
        log.warn('processor failed', (e as Error).message);
        // Eye contact falls back to the camera; avatar to the last good picture (or grey at first).
        const avatar = isAvatar(settings);
        out = avatar ? this.#privateFallback(frame) : frame;
        this.#state = avatar ? 'fallback-still' : 'fallback-passthrough';
        this.#message = `processing failed: ${(e as Error).message}`;
      }
      if (this.#stopped) break;
      this.#emit(frame, out, at, performance.now() - this.#busySince);
      if (this.#mode !== settings.mode) {
        this.#mode = settings.mode;
        this.#opts.onModeApplied?.(settings.mode);
      }
    }
    this.#busy = false;
  }

  /** Avatar mode's stand-in for a frame it cannot render: the last avatar picture, else mid-grey. */
  #privateFallback(input: I420Frame): I420Frame {
    if (this.#lastGood) return this.#lastGood;
    const grey = new Uint8Array(input.data.length).fill(128);
    return { format: 'i420', width: input.width, height: input.height, data: grey };
  }

  #emit(input: I420Frame, out: I420Frame, arrivedAt: number, ms: number): void {
    this.#opts.onOutput?.(input, out);
    this.#opts.output(out, arrivedAt);
    this.#framesOut++;
    const now = performance.now();
    this.#window.push({ t: now, ms, latency: now - arrivedAt });
    while (this.#window.length && now - this.#window[0].t > WINDOW_MS) this.#window.shift();
  }

  stats(): FrameLoopStats {
    const now = performance.now();
    const w = this.#window.filter((e) => now - e.t <= WINDOW_MS);
    const mean = (f: (e: { ms: number; latency: number }) => number) =>
      w.length ? w.reduce((s, e) => s + f(e), 0) / w.length : 0;
    const span = w.length > 1 ? (w[w.length - 1].t - w[0].t) / 1000 : 0;
    // Processing that keeps up with less than 60% of the camera's frames is reported as 'busy' (server overloaded).
    const inCount = this.#inWindow.filter((t) => now - t <= WINDOW_MS).length;
    const overloaded = this.#state === 'ok' && inCount >= 10 && w.length < 0.6 * inCount;
    return {
      state: overloaded ? 'busy' : this.#state,
      message: overloaded ? `server busy: processing ${w.length} of ${inCount} frames` : this.#message,
      fps: span > 0 ? (w.length - 1) / span : 0,
      drops: this.#drops,
      ms: mean((e) => e.ms),
      latencyMs: mean((e) => e.latency),
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      mode: this.#mode,
    };
  }

  stop(): void {
    this.#stopped = true;
    this.#slot = null;
    clearInterval(this.#watchdog);
  }
}
