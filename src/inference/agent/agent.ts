// The inference agent: a server-side participant that receives one user's raw camera and microphone over
// loopback WebRTC, runs the frame processor, and publishes the processed video with the user's audio delayed
// to match (lip sync). It signals like any participant, with the agent credentials the server gave it.
import wrtc from '@roamhq/wrtc';
import { copyStamp } from '../../media/probe/stamp.ts';
import { HeadlessClient } from '../../signaling/headless-client.ts';
import { AGENT_REPORT_EVENT, type AgentStatus } from '../../signaling/protocol.ts';
import { createLogger } from '../../util/logger.ts';
import type { I420Frame } from '../frame.ts';
import { type AudioChunk, AudioDelayLine } from './audio-delay.ts';
import { FrameLoop } from './frame-loop.ts';
import type { AgentSettings, FrameProcessor, ProcessorFactory } from './processor.ts';

const { RTCVideoSource, RTCVideoSink, RTCAudioSource, RTCAudioSink } = wrtc.nonstandard;
const log = createLogger('inference:agent');

export interface AgentConfig {
  serverUrl: string;
  room: string;
  passcode?: string;
  forParticipantId: string;
  token: string;
  settings: AgentSettings;
  /** Copy the probe stamp band from input to output (benchmarks measure latency through processing). */
  keepStamp?: boolean;
  reportIntervalMs?: number;
}

export class Agent {
  #cfg: AgentConfig;
  #factory: ProcessorFactory;
  #client: HeadlessClient | null = null;
  #processor: FrameProcessor | null = null;
  #loop: FrameLoop | null = null;
  #videoSource = new RTCVideoSource();
  #videoOut: MediaStreamTrack;
  #audioSource = new RTCAudioSource();
  #audioOut: MediaStreamTrack;
  #videoSink: InstanceType<typeof RTCVideoSink> | null = null;
  #audioSink: InstanceType<typeof RTCAudioSink> | null = null;
  #delay: AudioDelayLine;
  #report: NodeJS.Timeout | null = null;
  #closed = false;
  onClosed: (() => void) | null = null;

  constructor(cfg: AgentConfig, factory: ProcessorFactory) {
    this.#cfg = cfg;
    this.#factory = factory;
    this.#videoOut = this.#videoSource.createTrack();
    this.#audioOut = this.#audioSource.createTrack();
    this.#delay = new AudioDelayLine((c: AudioChunk) => this.#audioSource.onData(c));
  }

  async start(): Promise<void> {
    const cfg = this.#cfg;
    this.#processor = await this.#factory(cfg.settings);
    const client = await HeadlessClient.connect(cfg.serverUrl);
    this.#client = client;
    client.on('disconnect', () => void this.close());
    client.on('settings', (s) => {
      if (this.#loop) this.#loop.settings = { mode: s.mode, identityId: s.identityId };
    });
    this.#loop = new FrameLoop({
      processor: this.#processor,
      settings: cfg.settings,
      output: (frame) =>
        this.#videoSource.onFrame({ width: frame.width, height: frame.height, data: frame.data }),
      onOutput: cfg.keepStamp
        ? (input, output) => (output !== input ? copyStamp(input, output) : undefined)
        : undefined,
    });
    client.on('track', (pid, kind, track) => {
      if (pid !== cfg.forParticipantId) return;
      if (kind === 'video') this.#attachVideo(track);
      else this.#attachAudio(track);
    });
    await client.join({
      room: cfg.room,
      displayName: 'agent',
      passcode: cfg.passcode,
      agent: { token: cfg.token, forParticipantId: cfg.forParticipantId },
    });
    // AGENT_AUDIO=0 leaves the user's audio on the direct path (diagnosis; loses lip sync).
    const withAudio = process.env.AGENT_AUDIO !== '0';
    await client.publish(
      withAudio ? [this.#videoOut, this.#audioOut] : [this.#videoOut],
      cfg.forParticipantId,
    );
    this.#report = setInterval(() => this.#sendReport(), cfg.reportIntervalMs ?? 1000);
    log.info(`agent for ${cfg.forParticipantId} running (${this.#processor.name})`);
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

  #attachAudio(track: MediaStreamTrack): void {
    this.#audioSink?.stop();
    const sink = new RTCAudioSink(track);
    this.#audioSink = sink;
    sink.ondata = (ev: AudioChunk) => {
      // Before the first packets libwebrtc yields 16 kHz silence; one rate keeps the re-encoded clock steady.
      if (ev.sampleRate !== 48000) return;
      this.#delay.setDelay(this.#loop?.stats().latencyMs ?? 0);
      this.#delay.push(ev);
    };
  }

  status(): AgentStatus {
    const s = this.#loop?.stats();
    return {
      participantId: this.#cfg.forParticipantId,
      state: s?.state ?? 'busy',
      fps: Math.round((s?.fps ?? 0) * 10) / 10,
      drops: s?.drops ?? 0,
      ms: Math.round((s?.ms ?? 0) * 10) / 10,
      audioDelayMs: Math.round(this.#delay.delayMs),
      message: s?.message,
    };
  }

  #sendReport(): void {
    if (this.#closed || !this.#client) return;
    this.#client.socket.emit(AGENT_REPORT_EVENT, this.status());
  }

  /** Stops sinks, tracks and connections in that order (libwebrtc crashes on exit with live tracks). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#report) clearInterval(this.#report);
    this.#loop?.stop();
    this.#delay.close();
    this.#videoSink?.stop();
    this.#audioSink?.stop();
    this.#videoOut.stop();
    this.#audioOut.stop();
    this.#client?.close();
    try {
      await this.#processor?.close();
    } catch (e) {
      log.warn('processor close failed', e);
    }
    this.onClosed?.();
  }
}
