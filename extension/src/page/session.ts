// One page's gazecam camera: the real camera published to the user's gazecam server as a private camera session
// (client core: Call.openCamera publishes, a Viewer receives the processed video), the output track the page
// holds (output.ts), the user's settings applied live, and reconnection. While the server is unreachable or the
// agent is lost the output shows what cameraSource allows (avatar: a placeholder that says why; eye contact: the
// camera) and the session keeps trying to come back.
import { Call } from '../../../client/src/core/call.ts';
import { modeOf } from '../../../client/src/core/effects.ts';
import { RequestError } from '../../../client/src/core/signaling.ts';
import { Viewer } from '../../../client/src/core/viewer.ts';
import { cameraSource } from '../../../src/signaling/camera-source.ts';
import type { AgentStatus, Mode, Participant } from '../../../src/signaling/protocol.ts';
import type { CameraSettings, CameraStatus } from '../messages.ts';
import { CameraOutput } from './output.ts';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 8000;

export interface SessionHost {
  /** A camera-session ticket from the extension's background (which holds the owner token). */
  ticket(): Promise<string>;
  status(status: CameraStatus): void;
}

export class CameraSession {
  readonly output: CameraOutput;
  #settings: CameraSettings;
  #call: Call | null = null;
  #viewer: Viewer | null = null;
  /** The camera participant as the server describes it (mode, video route). */
  #server: Pick<Participant, 'mode' | 'video'> | null = null;
  #agent: AgentStatus | null = null;
  #why: string | null = 'connecting to the gazecam server';
  #closed = false;
  #statusTimer: ReturnType<typeof setInterval>;
  #applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly camera: MediaStreamTrack,
    settings: CameraSettings,
    private readonly host: SessionHost,
  ) {
    this.#settings = settings;
    this.output = new CameraOutput(camera);
    this.output.decide = (flowing) => cameraSource(this.wanted, this.#server, flowing);
    this.#statusTimer = setInterval(() => host.status(this.status()), 1000);
    this.#refreshPlaceholder();
    void this.#run();
  }

  /** The mode asked for: avatar wins over eye contact in what may be shown (never the camera). */
  get wanted(): Mode {
    return modeOf(this.#settings.avatar, this.#settings.eyes);
  }

  /** New settings from the popup: applied to the running session at once. */
  update(settings: CameraSettings): void {
    const serverChanged = settings.server !== this.#settings.server;
    this.#settings = settings;
    this.#refreshPlaceholder();
    if (serverChanged) this.#drop('server address changed');
    else void this.#applySettings();
  }

  status(): CameraStatus {
    const s = this.output.stats();
    const connected = this.#call !== null && this.#viewer !== null;
    let why = this.#why;
    if (!why && s.source !== 'processed' && this.wanted !== 'none')
      why = this.#agent?.message ?? `agent ${this.#agent?.state ?? 'starting'}`;
    return {
      connected,
      wanted: this.wanted,
      source: s.source,
      agent: this.#agent?.state ?? null,
      fps: s.fps,
      processedFps: s.processedFps,
      why: s.source === 'processed' ? null : why,
      preview: this.output.preview,
    };
  }

  async #run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.#closed) {
      this.#broken = false;
      try {
        await this.#open();
        delay = RETRY_MIN_MS;
        if (!this.#broken) await new Promise<void>((r) => (this.#endedResolve = r));
      } catch (e) {
        this.#why = reason(e);
        this.#refreshPlaceholder();
      }
      this.#teardown();
      if (this.#closed) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(RETRY_MAX_MS, delay * 2);
    }
  }

  async #open(): Promise<void> {
    // Events of an earlier, torn-down session must not break this one.
    const gen = ++this.#gen;
    const drop = (why: string) => {
      if (gen === this.#gen) this.#drop(why);
    };
    const ticket = await this.host.ticket();
    const signaling = { url: this.#settings.server, auth: {} };
    const call = await Call.openCamera(
      { ticket, media: new MediaStream([this.camera]), signaling },
      {
        participants: () => this.#onParticipants(),
        stream: () => undefined,
        left: () => undefined,
        status: (s) => {
          if (s.participantId === this.#call?.me) this.#agent = s;
          this.#refreshPlaceholder();
        },
        sketch: () => undefined,
        stats: () => undefined,
        error: (m) => {
          if (gen !== this.#gen) return;
          this.#why = m;
          this.#refreshPlaceholder();
        },
        shutdown: (m) => drop(m),
        closed: () => drop('disconnected from the gazecam server'),
      },
    );
    this.#call = call;
    if (this.#closed) return;
    this.#viewer = await Viewer.open({
      room: '',
      participant: 'camera',
      cameraTicket: ticket,
      signaling,
      onStream: (stream) => this.output.setRemote(stream.getVideoTracks()[0] ?? null),
      onState: (s) => {
        if (s === 'disconnected') drop('disconnected from the gazecam server');
      },
    });
    this.#why = null;
    await this.#applySettings();
  }

  #onParticipants(): void {
    const call = this.#call;
    const me = call ? call.participants.get(call.me) : undefined;
    this.#server = me ? { mode: me.mode, video: me.video } : null;
  }

  /** Sends the wanted mode; a refusal (AGENT_LIMIT, IDENTITY_NOT_FOUND, ...) is shown, the mode stays asked. */
  #applySettings(): Promise<void> {
    this.#applying = this.#applying.then(async () => {
      const call = this.#call;
      if (!call) return;
      const { identityId, avatar, eyes } = this.#settings;
      const mode = modeOf(avatar && identityId !== null, eyes);
      try {
        await call.settings(mode, avatar ? identityId : null);
        if (this.#why?.startsWith('refused')) this.#why = null;
      } catch (e) {
        this.#why = `refused: ${reason(e)}`;
      }
      this.#refreshPlaceholder();
    });
    return this.#applying;
  }

  #refreshPlaceholder(): void {
    const lines = ['gazecam: avatar paused'];
    if (this.#settings.avatar && !this.#settings.identityId) lines.push('pick an identity in the popup');
    else if (this.#why) lines.push(this.#why);
    else lines.push(this.#agent ? `agent ${this.#agent.state}` : 'agent starting');
    lines.push('(your camera is not shown)');
    this.output.setPlaceholderText(lines);
  }

  #gen = 0;
  #broken = false;
  #endedResolve: (() => void) | null = null;

  /** The session broke: show why, tear down, and let #run open a new one. */
  #drop(why: string): void {
    if (this.#closed) return;
    this.#broken = true;
    this.#why = why;
    this.#server = null;
    this.#refreshPlaceholder();
    this.output.setRemote(null);
    const done = this.#endedResolve;
    this.#endedResolve = null;
    done?.();
  }

  #teardown(): void {
    this.#gen++;
    const call = this.#call;
    this.#call = null;
    this.#server = null;
    this.#agent = null;
    this.output.setRemote(null);
    this.#viewer?.close();
    this.#viewer = null;
    // Leaving ends the agent at once (a dropped socket would hold it until the server notices).
    void call?.leave();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statusTimer);
    this.#endedResolve?.();
    this.#endedResolve = null;
    this.#teardown();
    this.output.close();
  }
}

function reason(e: unknown): string {
  if (e instanceof RequestError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
