// The camera session of `npm run vcam`, as the extension runs it in a page: a ticket from the server (owner
// token), the camera member publishing the local camera, the viewer member receiving the processed video
// (decoded I420 frames, the latest kept), the settings, and a new session when the server goes away.
import wrtc from '@roamhq/wrtc';
import { HeadlessClient } from '../signaling/headless-client.ts';
import type { AgentStatus, Mode, Participant } from '../signaling/protocol.ts';
import { createLogger } from '../util/logger.ts';
import type { I420Frame } from '../video/frame.ts';

const { RTCVideoSink } = wrtc.nonstandard;
const log = createLogger('cli:vcam');
const RETRY_MS = 2000;

export interface VcamSessionOptions {
  server: string;
  owner: string;
  mode: Mode;
  identityId: string | null;
  /** The local camera as a wrtc track (published as the session's camera). */
  camera: MediaStreamTrack;
}

export class VcamSession {
  /** The latest processed frame and when it came. */
  latest: { frame: I420Frame; at: number } | null = null;
  /** The camera participant as the server describes it (null: not connected). */
  server: Pick<Participant, 'mode' | 'video'> | null = null;
  agent: AgentStatus | null = null;
  why: string | null = 'connecting';
  processedFrames = 0;
  #clients: HeadlessClient[] = [];
  #sink: InstanceType<typeof RTCVideoSink> | null = null;
  #closed = false;

  constructor(private readonly opts: VcamSessionOptions) {
    void this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        const ended = await this.#open();
        this.why = null;
        await ended;
      } catch (e) {
        this.why = (e as Error).message;
        log.warn(`camera session: ${this.why}`);
      }
      this.#teardown();
      if (!this.#closed) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  async #ticket(): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.server}/api/camera-sessions`, {
        method: 'POST',
        headers: { 'x-gazecam-owner': this.opts.owner },
      });
    } catch {
      throw new Error(`gazecam server ${this.opts.server} unreachable`);
    }
    const body = (await res.json().catch(() => ({}))) as { ticket?: string; error?: { message: string } };
    if (!body.ticket) throw new Error(`no camera ticket: ${body.error?.message ?? `HTTP ${res.status}`}`);
    return body.ticket;
  }

  /** Opens both members; resolves with a promise that settles when the session breaks. */
  async #open(): Promise<Promise<void>> {
    const ticket = await this.#ticket();
    const camera = await HeadlessClient.connect(this.opts.server);
    this.#clients.push(camera);
    const viewer = await HeadlessClient.connect(this.opts.server);
    this.#clients.push(viewer);
    const { participantId } = await camera.openCamera(ticket, 'camera');
    await viewer.openCamera(ticket, 'viewer');
    const ended = new Promise<void>((resolve) => {
      for (const c of [camera, viewer]) {
        c.on('disconnect', (why) => {
          this.why = `disconnected: ${why}`;
          resolve();
        });
      }
    });
    camera.on('updated', (p) => {
      if (p.id === participantId) this.server = { mode: p.mode, video: p.video };
    });
    camera.on('agentstatus', (s) => {
      if (s.participantId === participantId) this.agent = s;
    });
    camera.on('servererror', (e) => {
      this.why = `${e.code}: ${e.message}`;
    });
    await camera.publish([this.opts.camera]);
    const settings = await camera.settings({ mode: this.opts.mode, identityId: this.opts.identityId });
    this.server = { mode: settings.mode, video: camera.participants.get(participantId)?.video ?? 'raw' };
    const track = await viewer.waitForTrack(participantId, 'video', 30_000);
    this.#sink = new RTCVideoSink(track);
    this.#sink.onframe = (ev: { frame: { width: number; height: number; data: Uint8Array } }) => {
      const { width, height, data } = ev.frame;
      this.latest = {
        frame: { format: 'i420', width, height, data: new Uint8Array(data) },
        at: performance.now(),
      };
      this.processedFrames++;
    };
    log.info(`camera session open (${this.opts.mode})`);
    return ended;
  }

  #teardown(): void {
    this.#sink?.stop();
    this.#sink = null;
    this.latest = null;
    this.server = null;
    this.agent = null;
    for (const c of this.#clients.splice(0)) c.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#teardown();
  }
}
