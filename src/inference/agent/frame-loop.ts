// The agent's frame loop: a slot of one input frame (latest wins, drops counted), one frame in processing at a
// time, so the output rate follows inference. The output never freezes or goes black: a processor error yields
// the fallback for the mode, and a stalled processor is bridged (state 'busy') by the raw frames in eye contact
// and by the last avatar frame (or grey) in avatar mode: the camera never leaves as an avatar. Under load it
// degrades instead of falling behind: its output rate steps down (fps-governor.ts) and it says 'busy'. Its
// counters are the agent's heartbeat: the server tells a slow agent from a hung one by them.
import type { AgentBeat } from '../../signaling/agents.ts';
import type { AgentState, Mode } from '../../signaling/protocol.ts';
import { createLogger } from '../../util/logger.ts';
import type { I420Frame, RgbaFrame } from '../../video/frame.ts';
import { FpsGovernor } from './fps-governor.ts';
import type { AgentSettings, FrameProcessor } from './processor.ts';

const log = createLogger('inference:agent:loop');

export interface FrameLoopOptions {
  processor: FrameProcessor;
  settings: AgentSettings;
  /** Receives every output frame. */
  output: (frame: I420Frame, inputArrivedAt: number) => void;
  /** A processing call longer than this lets raw frames through meanwhile (default 400 ms). */
  stallMs?: number;
  /** Step the output rate down under load (default true; tests of the plain loop turn it off). */
  governed?: boolean;
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
  /** Processor calls that threw, since start (each frame got the mode's fallback). */
  failures: number;
  /** Mode of the latest processed output (undefined before the first). */
  mode?: Mode;
  /** The output rate the loop allows itself now (lower under load). */
  maxFps: number;
}

const WINDOW_MS = 2000;

const isAvatar = (s: AgentSettings) => s.mode === 'avatar' || s.mode === 'both';

export class FrameLoop {
  settings: AgentSettings;
  #opts: FrameLoopOptions;
  #slot: { frame: I420Frame; at: number } | null = null;
  #busySince = 0;
  #busy = false;
  /** A processor call is in flight (#busy also covers the governor's pause between frames). */
  #processing = false;
  #processed = 0;
  #failures = 0;
  #governor: FpsGovernor | null;
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
    this.#governor = opts.governed === false ? null : new FpsGovernor();
    const stallMs = opts.stallMs ?? 400;
    this.#watchdog = setInterval(() => {
      // A stuck model must not freeze the picture: forward the newest raw frame instead (eye contact), or the
      // last avatar picture (avatar mode never shows the camera).
      if (this.#processing && this.#slot && performance.now() - this.#busySince > stallMs) {
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
    this.#slot = { frame, at: now };
    this.#governor?.input(now);
    if (!this.#busy) void this.#run();
  }

  async #run(): Promise<void> {
    this.#busy = true;
    while (this.#slot && !this.#stopped) {
      const wait = this.#governor?.waitMs() ?? 0;
      // The slot keeps filling meanwhile: the frame taken after the pause is the newest.
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.#slot || this.#stopped) break;
      const { frame, at } = this.#slot;
      this.#slot = null;
      this.#busySince = performance.now();
      this.#processing = true;
      this.#governor?.started(this.#busySince);
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
        this.#failures++;
        // Eye contact falls back to the camera; avatar to the last good picture (or grey at first).
        const avatar = isAvatar(settings);
        out = avatar ? this.#privateFallback(frame) : frame;
        this.#state = avatar ? 'fallback-still' : 'fallback-passthrough';
        this.#message = `processing failed: ${(e as Error).message}`;
      }
      this.#processing = false;
      this.#processed++;
      const ms = performance.now() - this.#busySince;
      this.#governor?.finished(ms);
      if (this.#stopped) break;
      this.#emit(frame, out, at, ms);
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
    // A rate stepped down for the server's sake, or processing that keeps up with less than 60% of the frames
    // it may take, is reported as 'busy' (server overloaded).
    const inCount = this.#inWindow.filter((t) => now - t <= WINDOW_MS).length;
    const maxFps = this.#governor?.fps ?? Number.POSITIVE_INFINITY;
    const allowed = Math.min(inCount, (maxFps * WINDOW_MS) / 1000);
    const degraded = this.#governor?.degraded(now) ?? false;
    const overloaded = this.#state === 'ok' && (degraded || (inCount >= 10 && w.length < 0.6 * allowed));
    return {
      state: overloaded ? 'busy' : this.#state,
      message: overloaded
        ? degraded
          ? `server busy: ${maxFps} fps`
          : `server busy: processing ${w.length} of ${inCount} frames`
        : this.#message,
      fps: span > 0 ? (w.length - 1) / span : 0,
      drops: this.#drops,
      ms: mean((e) => e.ms),
      latencyMs: mean((e) => e.latency),
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      failures: this.#failures,
      mode: this.#mode,
      maxFps: this.#governor?.fps ?? 0,
    };
  }

  /** The heartbeat's counters (cheap: read a few times a second). */
  progress(): AgentBeat {
    return { framesIn: this.#framesIn, processed: this.#processed, framesOut: this.#framesOut };
  }

  stop(): void {
    this.#stopped = true;
    this.#slot = null;
    clearInterval(this.#watchdog);
  }
}
