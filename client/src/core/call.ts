// One call: the signaling socket, the publish connection (camera + microphone), the subscribe connection, the
// participant list and the agent states. The UI listens through the callbacks in CallEvents.
import type {
  AgentSketchPush,
  AgentStatus,
  CameraOpenResult,
  JoinResult,
  Mode,
  Participant,
  ParticipantLeftPush,
  ParticipantUpdatedPush,
  ServerErrorPush,
  ServerShutdownPush,
  StatsPush,
} from '../../../src/signaling/protocol.ts';
import { applyIceConfig, FrameRate, gathered, Subscriber } from './rtc.ts';
import { Signaling, type SignalingOptions } from './signaling.ts';

export interface CallEvents {
  participants(list: Participant[]): void;
  stream(participantId: string, stream: MediaStream): void;
  left(participantId: string): void;
  status(status: AgentStatus): void;
  /** Your agent's debug sketch (only while asked for with debugSketch). */
  sketch(sketch: AgentSketchPush): void;
  stats(stats: StatsPush): void;
  error(message: string): void;
  /** The server is restarting: the call ends; rejoin when it is back. */
  shutdown(message: string): void;
  closed(): void;
}

export interface JoinOptions {
  room: string;
  displayName: string;
  passcode?: string;
  media: MediaStream;
  /** The server and handshake (default: this page's origin, the owner token). */
  signaling?: SignalingOptions;
}

export interface CameraOpenOptions {
  /** From POST /api/camera-sessions. */
  ticket: string;
  /** What to publish (the extension: the real camera, no microphone). */
  media: MediaStream;
  signaling: SignalingOptions;
}

export class Call {
  readonly participants = new Map<string, Participant>();
  readonly statuses = new Map<string, AgentStatus>();
  readonly signaling: Signaling;
  readonly subscriber: Subscriber;
  readonly publisher = new RTCPeerConnection({ iceServers: [] });
  me = '';
  room = '';
  /** The server said it is restarting (`server:shutdown`). */
  shuttingDown = false;
  readonly #sendRate = new FrameRate();
  #closed = false;

  private constructor(
    signaling: Signaling,
    readonly events: CallEvents,
  ) {
    this.signaling = signaling;
    this.subscriber = new Subscriber(signaling, (id, s) => events.stream(id, s));
    const update = (p: Participant) => {
      this.participants.set(p.id, p);
      events.participants(this.list());
    };
    signaling.on<ParticipantUpdatedPush>('participant:joined', ({ participant }) => update(participant));
    signaling.on<ParticipantUpdatedPush>('participant:updated', ({ participant }) => update(participant));
    signaling.on<{ participants: Participant[] }>('participants', ({ participants }) => {
      this.participants.clear();
      for (const p of participants) this.participants.set(p.id, p);
      events.participants(this.list());
    });
    signaling.on<ParticipantLeftPush>('participant:left', ({ participantId }) => {
      this.participants.delete(participantId);
      this.statuses.delete(participantId);
      this.subscriber.streams.delete(participantId);
      events.left(participantId);
      events.participants(this.list());
    });
    signaling.on<AgentStatus>('agent:status', (s) => {
      this.statuses.set(s.participantId, s);
      events.status(s);
    });
    signaling.on<StatsPush>('stats', (s) => events.stats(s));
    signaling.on<AgentSketchPush>('agent:sketch', (s) => events.sketch(s));
    signaling.on<ServerErrorPush>('server:error', (e) => events.error(`${e.code}: ${e.message}`));
    signaling.on<ServerShutdownPush>('server:shutdown', (m) => {
      this.shuttingDown = true;
      events.shutdown(m.message);
    });
    signaling.socket.on('disconnect', () => {
      if (!this.#closed && !this.shuttingDown) events.error('disconnected from the server');
      this.close();
    });
  }

  static join(opts: JoinOptions, events: CallEvents): Promise<Call> {
    return Call.#start(new Signaling(opts.signaling), opts.media, events, (s) =>
      s.request<JoinResult>('join', {
        room: opts.room,
        displayName: opts.displayName,
        passcode: opts.passcode || undefined,
      }),
    );
  }

  /** Opens a private camera session's camera (protocol.ts, camera sessions): publishes `media`, owns the
   * settings; the session's Viewer receives the processed video. */
  static openCamera(opts: CameraOpenOptions, events: CallEvents): Promise<Call> {
    return Call.#start(new Signaling(opts.signaling), opts.media, events, (s) =>
      s.request<CameraOpenResult>('camera:open', { ticket: opts.ticket, role: 'camera' }),
    );
  }

  static async #start(
    signaling: Signaling,
    media: MediaStream,
    events: CallEvents,
    enter: (s: Signaling) => Promise<JoinResult>,
  ): Promise<Call> {
    const call = new Call(signaling, events);
    try {
      const res = await enter(signaling);
      applyIceConfig(res, call.publisher, call.subscriber.pc);
      call.me = res.participantId;
      call.room = res.room;
      for (const p of res.participants) call.participants.set(p.id, p);
      events.participants(call.list());
      await call.#publish(media);
      return call;
    } catch (e) {
      call.close();
      throw e;
    }
  }

  /** People in the call, yourself first: every participant the server lists as a user, whatever its name. */
  list(): Participant[] {
    return [...this.participants.values()]
      .filter((p) => p.role !== 'viewer')
      .sort((a, b) =>
        a.id === this.me ? -1 : b.id === this.me ? 1 : a.displayName.localeCompare(b.displayName),
      );
  }

  /** Machine participants as the server marks them: viewers (role) and agents (a participant's mode: one agent
   * each, receiving that participant's camera), e.g. "1 viewer: clean feed of you · 1 agent: avatar for bob". */
  machineSummary(): string {
    const all = [...this.participants.values()];
    const name = (id: string | null | undefined) => {
      const p = id ? this.participants.get(id) : undefined;
      return p ? (p.id === this.me ? 'you' : p.displayName) : 'no one yet';
    };
    const viewers = all
      .filter((p) => p.role === 'viewer')
      .map((v) => `${v.displayName} of ${name(v.viewing)}`);
    const agents = all
      .filter((p) => p.role !== 'viewer' && p.mode !== 'none')
      .map(
        (p) =>
          `${p.mode === 'eyes' ? 'eye contact' : p.mode === 'both' ? 'avatar + eye contact' : 'avatar'} for ${name(p.id)}`,
      );
    const part = (n: number, what: string, list: string[]) =>
      n ? `${n} ${what}${n > 1 ? 's' : ''}: ${list.join(', ')}` : '';
    return [part(viewers.length, 'viewer', viewers), part(agents.length, 'agent', agents)]
      .filter(Boolean)
      .join(' · ');
  }

  async #publish(media: MediaStream): Promise<void> {
    for (const t of media.getTracks())
      this.publisher.addTransceiver(t, { direction: 'sendonly', streams: [media] });
    await this.publisher.setLocalDescription(await this.publisher.createOffer());
    await gathered(this.publisher);
    const { answer } = await this.signaling.request<{ answer: RTCSessionDescriptionInit }>('publish:offer', {
      offer: { type: 'offer', sdp: this.publisher.localDescription?.sdp ?? '' },
    });
    await this.publisher.setRemoteDescription(answer);
  }

  /** Swaps the camera or microphone without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const sender = this.publisher.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
  }

  async settings(mode: Mode, identityId: string | null, debugSketch = false): Promise<void> {
    await this.signaling.request('settings', { mode, identityId, debugSketch });
  }

  /** Outbound camera stats (what the server receives from this browser). */
  async sendStats(): Promise<{ fps: number; width: number; height: number; limited: string }> {
    const out = { fps: 0, width: 0, height: 0, limited: 'none' };
    if (this.#closed) return out;
    (await this.publisher.getStats()).forEach((s: RTCStats & Record<string, unknown>) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out.fps = this.#sendRate.fps('camera', Number(s.framesEncoded ?? 0), s.timestamp);
      out.width = Number(s.frameWidth ?? 0);
      out.height = Number(s.frameHeight ?? 0);
      out.limited = String(s.qualityLimitationReason ?? 'none');
    });
    return out;
  }

  async leave(): Promise<void> {
    if (this.#closed) return;
    await this.signaling.request('leave', {}, 3000).catch(() => undefined);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.subscriber.close();
    this.publisher.close();
    this.signaling.close();
    this.events.closed();
  }
}
