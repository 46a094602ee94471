// The inference agent: a server-side participant that receives one user's raw camera over loopback WebRTC, runs
// the frame processor, and publishes the processed video. It signals like any participant, with the agent
// credentials the server gave it. Lip sync: the agent measures how much later its video reaches receivers than
// the raw camera would (decode, frame loop, encode, pacing) and reports the audio delay that matches it
// (path-delay.ts); the SFU holds the user's audio back by that much. Settings changes reach the frame loop only
// after the processor's update() for them resolved: frames keep the old settings while an identity loads.
import wrtc from '@roamhq/wrtc';
import type { AgentBeat } from '../../signaling/agents.ts';
import { HeadlessClient } from '../../signaling/headless-client.ts';
import {
  AGENT_REPORT_EVENT,
  AGENT_SKETCH_EVENT,
  type AgentSketch,
  type AgentStatus,
  MAX_SKETCH_JPEG_BYTES,
} from '../../signaling/protocol.ts';
import { createLogger } from '../../util/logger.ts';
import type { I420Frame, RgbaFrame } from '../../video/frame.ts';
import { encodeJpeg } from '../../video/image.ts';
import { copyStamp } from '../../video/stamp.ts';
import { FrameLoop } from './frame-loop.ts';
import { lipSyncDelayMs, PathDelayMeter, type PathDelays } from './path-delay.ts';
import type { AgentSettings, FrameProcessor } from './processor.ts';

const { RTCVideoSource, RTCVideoSink } = wrtc.nonstandard;
const log = createLogger('inference:agent');

/** Builds the agent's processor (the entry point binds the factory to its dependencies). */
export type ProcessorSource = (settings: AgentSettings) => Promise<FrameProcessor>;

export interface AgentConfig {
  serverUrl: string;
  /** PEM of the server's certificate when serverUrl is https:// (pinned). */
  serverCert?: string;
  room: string;
  passcode?: string;
  forParticipantId: string;
  token: string;
  settings: AgentSettings;
  /** Copy the probe stamp band from input to output (benchmarks measure latency through processing). */
  keepStamp?: boolean;
  reportIntervalMs?: number;
}

const sameSettings = (a: AgentSettings, b: AgentSettings) =>
  a.mode === b.mode && a.identityId === b.identityId && !!a.debugSketch === !!b.debugSketch;

export class Agent {
  #cfg: AgentConfig;
  #createProcessor: ProcessorSource;
  #client: HeadlessClient | null = null;
  #processor: FrameProcessor | null = null;
  #loop: FrameLoop | null = null;
  #videoSource = new RTCVideoSource();
  #videoOut: MediaStreamTrack;
  #videoSink: InstanceType<typeof RTCVideoSink> | null = null;
  #report: NodeJS.Timeout | null = null;
  #meter = new PathDelayMeter();
  #path: PathDelays = { videoMs: 0, audioLagMs: 0 };
  /** The latest settings from the server. */
  #settings: AgentSettings;
  /** The settings of the latest update() that ended: the ones the frame loop runs with. */
  #applied: AgentSettings | null = null;
  /** Updates run one at a time, in order. */
  #updates: Promise<void> = Promise.resolve();
  #updateError: string | null = null;
  #closed = false;
  #abort = new AbortController();
  #sketchBusy = false;
  onClosed: (() => void) | null = null;

  constructor(cfg: AgentConfig, createProcessor: ProcessorSource) {
    this.#cfg = cfg;
    this.#createProcessor = createProcessor;
    this.#settings = cfg.settings;
    this.#videoOut = this.#videoSource.createTrack();
  }

  /**
   * Connects and joins while the processor gets ready (the models; in a warm agent only the identity), then
   * publishes its output: the first frame waits for the longer of the two, not for their sum.
   */
  async start(): Promise<void> {
    const cfg = this.#cfg;
    // close() may come at any await below: each step checks, and closes what it just made.
    const signal = this.#abort.signal;
    const ready = this.#prepare(signal);
    // Awaited below; a failure before then must not surface as an unhandled rejection.
    ready.catch(() => undefined);
    // Returning early (closed meanwhile) waits for the processor too, which then closes itself.
    const early = async () => void (await ready);
    const client = await HeadlessClient.connect(cfg.serverUrl, { serverCert: cfg.serverCert });
    if (signal.aborted) {
      client.close();
      return early();
    }
    this.#client = client;
    client.on('disconnect', () => void this.close());
    client.on('settings', (s) => {
      this.#settings = { mode: s.mode, identityId: s.identityId, debugSketch: s.debugSketch };
      void this.#update();
    });
    client.on('track', (pid, kind, track) => {
      if (pid === cfg.forParticipantId && kind === 'video') this.#attachVideo(track);
    });
    await client.join({
      room: cfg.room,
      displayName: 'agent',
      passcode: cfg.passcode,
      agent: { token: cfg.token, forParticipantId: cfg.forParticipantId },
    });
    if (signal.aborted) return early();
    this.#report = setInterval(() => void this.#sendReport(), cfg.reportIntervalMs ?? 1000);
    const processor = await ready;
    if (!processor || signal.aborted || !this.#applied) return;
    this.#loop = new FrameLoop({
      processor,
      settings: this.#applied,
      output: (frame) =>
        this.#videoSource.onFrame({ width: frame.width, height: frame.height, data: frame.data }),
      onSketch: (sketch) => this.#sendSketch(sketch),
      // The server routes a switch to avatar only once the output is an avatar: say so at once.
      onModeApplied: () => void this.#sendReport(),
      onOutput: cfg.keepStamp
        ? (input, output) => (output !== input ? copyStamp(input, output) : undefined)
        : undefined,
    });
    // Publishing makes the SFU switch the user's subscribers to this output (at its first keyframe).
    await client.publish([this.#videoOut], cfg.forParticipantId);
    if (signal.aborted) return;
    log.info(`agent for ${cfg.forParticipantId} running (${processor.name})`);
  }

  /** Builds the processor and applies the settings to it (the first frame then finds it ready). */
  async #prepare(signal: AbortSignal): Promise<FrameProcessor | null> {
    const processor = await this.#createProcessor(this.#settings);
    if (signal.aborted) {
      await processor.close();
      return null;
    }
    this.#processor = processor;
    await this.#update();
    return processor;
  }

  /** Queues an update to the latest settings; one already queued for them covers them. */
  #update(): Promise<void> {
    this.#updates = this.#updates.then(() => this.#applyLatest());
    return this.#updates;
  }

  async #applyLatest(): Promise<void> {
    const processor = this.#processor;
    const settings = this.#settings;
    // Before the processor exists start() applies the latest settings itself.
    if (!processor || this.#closed || (this.#applied && sameSettings(settings, this.#applied))) return;
    try {
      await processor.update(settings);
      this.#updateError = null;
    } catch (e) {
      // The processor shows its own fallback for settings it could not prepare.
      this.#updateError = `settings not applied: ${(e as Error).message}`;
      log.warn(this.#updateError);
    }
    this.#applied = settings;
    if (this.#loop) this.#loop.settings = settings;
  }

  #attachVideo(track: MediaStreamTrack): void {
    this.#videoSink?.stop();
    const sink = new RTCVideoSink(track);
    this.#videoSink = sink;
    sink.onframe = (ev: { frame: { width: number; height: number; data: Uint8Array } }) => {
      const { width, height, data } = ev.frame;
      // The sink reuses its buffer; the slot keeps its own copy.
      const frame: I420Frame = { format: 'i420', width, height, data: new Uint8Array(data) };
      this.#loop?.push(frame);
    };
  }

  /** The heartbeat's counters (zeros until the frame loop runs). */
  progress(): AgentBeat {
    return this.#loop?.progress() ?? { framesIn: 0, processed: 0, framesOut: 0 };
  }

  /** How much later processed video reaches receivers than raw video would. */
  videoDelayMs(): number {
    return (this.#loop?.stats().latencyMs ?? 0) + this.#path.videoMs;
  }

  /** What the SFU delays the user's audio by. */
  audioDelayMs(): number {
    return lipSyncDelayMs(this.videoDelayMs(), this.#path.audioLagMs);
  }

  status(): AgentStatus {
    const s = this.#loop?.stats();
    return {
      participantId: this.#cfg.forParticipantId,
      state: s?.state ?? 'busy',
      fps: Math.round((s?.fps ?? 0) * 10) / 10,
      drops: s?.drops ?? 0,
      ms: Math.round((s?.ms ?? 0) * 10) / 10,
      audioDelayMs: Math.round(this.audioDelayMs()),
      videoDelayMs: Math.round(this.videoDelayMs()),
      failures: s?.failures ?? 0,
      message: s ? (s.message ?? this.#updateError ?? undefined) : 'loading the pipeline',
      mode: s?.mode,
    };
  }

  async #sendReport(): Promise<void> {
    const client = this.#client;
    if (this.#closed || !client) return;
    try {
      const [inbound, outbound] = await Promise.all([
        client.getStats('subscribe'),
        client.getStats('publish'),
      ]);
      this.#path = this.#meter.update(inbound, outbound) ?? this.#path;
    } catch (e) {
      log.debug('stats failed', e);
    }
    if (!this.#closed) client.socket.emit(AGENT_REPORT_EVENT, this.status());
  }

  /** One sketch in flight at a time; the renderer reuses its buffer, so it is copied before encoding. */
  #sendSketch(sketch: RgbaFrame): void {
    const client = this.#client;
    if (this.#closed || !client || this.#sketchBusy || !this.#settings.debugSketch) return;
    this.#sketchBusy = true;
    const copy: RgbaFrame = { ...sketch, data: new Uint8Array(sketch.data) };
    encodeJpeg(copy, 70)
      .then((jpeg) => {
        if (this.#closed || jpeg.length > MAX_SKETCH_JPEG_BYTES) return;
        client.socket.emit(AGENT_SKETCH_EVENT, {
          participantId: this.#cfg.forParticipantId,
          jpeg: jpeg.toString('base64'),
          width: copy.width,
          height: copy.height,
        } satisfies AgentSketch);
      })
      .catch((e) => log.debug('sketch encode failed', e))
      .finally(() => {
        this.#sketchBusy = false;
      });
  }

  /** Stops the sink, the tracks and the connections in that order (libwebrtc crashes on exit with live tracks). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    if (this.#report) clearInterval(this.#report);
    this.#loop?.stop();
    this.#videoSink?.stop();
    this.#videoOut.stop();
    this.#client?.close();
    try {
      await this.#processor?.close();
    } catch (e) {
      log.warn('processor close failed', e);
    }
    this.onClosed?.();
  }
}
