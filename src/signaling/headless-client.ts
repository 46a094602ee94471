// A call participant without a browser: socket.io-client for signaling and @roamhq/wrtc (libwebrtc) for media.
// The inference agent, the integration tests and the call benchmark all join rooms through it, so they exercise
// exactly the protocol a browser uses (see protocol.ts).
import wrtc from '@roamhq/wrtc';
import { io, type Socket } from 'socket.io-client';
import { AppError, type ErrorCode } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { pinnedTlsOptions } from '../util/tls-pin.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import {
  type Ack,
  type AgentSketchPush,
  type AgentStatusPush,
  CAMERA_OPEN_EVENT,
  type CameraOpenResult,
  CLIENT_EVENTS,
  type JoinRequest,
  type JoinResult,
  type Kind,
  type Participant,
  type ParticipantLeftPush,
  type Sdp,
  SERVER_EVENTS,
  type ServerErrorPush,
  type ServerShutdownPush,
  type Settings,
  type StatsPush,
  type SubscribeOffer,
} from './protocol.ts';

const log = createLogger('signaling:headless');
const GATHER_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 20_000;

export type HeadlessClientEvents = {
  /** A remote track arrived on the subscribe connection (kept across source switches). */
  track: [participantId: string, kind: Kind, track: MediaStreamTrack];
  joined: [Participant];
  left: [ParticipantLeftPush];
  updated: [Participant];
  agentstatus: [AgentStatusPush];
  sketch: [AgentSketchPush];
  stats: [StatsPush];
  servererror: [ServerErrorPush];
  shutdown: [ServerShutdownPush];
  settings: [Required<Settings>];
  disconnect: [string];
};

async function waitForGathering(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

export class HeadlessClient extends TypedEmitter<HeadlessClientEvents> {
  readonly socket: Socket;
  participantId: string | null = null;
  #pubPc: RTCPeerConnection | null = null;
  #subPc: RTCPeerConnection | null = null;
  #midMap: SubscribeOffer['tracks'] = {};
  /** Remote tracks by participant id and kind. */
  readonly remote = new Map<string, Partial<Record<Kind, MediaStreamTrack>>>();
  readonly participants = new Map<string, Participant>();
  #closed = false;

  private constructor(socket: Socket) {
    super();
    this.socket = socket;
    socket.on(SERVER_EVENTS.subscribeOffer, (msg: SubscribeOffer, ack: (r: Ack<{ answer: Sdp }>) => void) => {
      this.#onSubscribeOffer(msg).then(
        (answer) => ack({ ok: true, answer }),
        (e) => ack({ ok: false, error: { code: 'NEGOTIATION_FAILED', message: (e as Error).message } }),
      );
    });
    socket.on(SERVER_EVENTS.participantJoined, (m: { participant: Participant }) => {
      this.participants.set(m.participant.id, m.participant);
      this.emit('joined', m.participant);
    });
    socket.on(SERVER_EVENTS.participantUpdated, (m: { participant: Participant }) => {
      this.participants.set(m.participant.id, m.participant);
      this.emit('updated', m.participant);
    });
    socket.on(SERVER_EVENTS.participantLeft, (m: ParticipantLeftPush) => {
      this.participants.delete(m.participantId);
      this.emit('left', m);
    });
    socket.on(SERVER_EVENTS.agentStatus, (m: AgentStatusPush) => this.emit('agentstatus', m));
    socket.on(SERVER_EVENTS.agentSketch, (m: AgentSketchPush) => this.emit('sketch', m));
    socket.on(SERVER_EVENTS.stats, (m: StatsPush) => this.emit('stats', m));
    socket.on(SERVER_EVENTS.serverError, (m: ServerErrorPush) => this.emit('servererror', m));
    socket.on(SERVER_EVENTS.serverShutdown, (m: ServerShutdownPush) => this.emit('shutdown', m));
    socket.on(SERVER_EVENTS.agentSettings, (m: Required<Settings>) => this.emit('settings', m));
    socket.on('disconnect', (reason: string) => this.emit('disconnect', reason));
  }

  /** `owner`: the identity owner token (as a browser's x-gazecam-owner), needed to use one's identities;
   * `serverCert`: the PEM certificate an https:// server must present (pinned, any host name). */
  static async connect(
    url: string,
    opts: { owner?: string; serverCert?: string } = {},
  ): Promise<HeadlessClient> {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: opts.owner ? { owner: opts.owner } : undefined,
      ...(opts.serverCert ? pinnedTlsOptions(opts.serverCert) : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (e) =>
        reject(new AppError('INTERNAL', `cannot connect to ${url}: ${e.message}`)),
      );
    });
    return new HeadlessClient(socket);
  }

  /** Sends a request and resolves with the ack's payload; a failed ack throws an AppError with its code. */
  async request<T extends object>(event: string, payload?: unknown): Promise<T> {
    const res = (await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload)) as Ack<T>;
    if (!res.ok) {
      const { code, message, ...details } = res.error;
      throw new AppError(code as ErrorCode, message, details);
    }
    return res;
  }

  async join(req: JoinRequest): Promise<JoinResult> {
    const res = await this.request<JoinResult>(CLIENT_EVENTS.join, req);
    this.participantId = res.participantId;
    for (const p of res.participants) this.participants.set(p.id, p);
    return res;
  }

  /**
   * Connects and joins, following ROOM_ELSEWHERE to the server node that holds the room (a few hops at most:
   * a room moves only when its node ends). `url` is where it joined.
   */
  static async connectAndJoin(
    url: string,
    req: JoinRequest,
    opts: { owner?: string; serverCert?: string } = {},
  ): Promise<{ client: HeadlessClient; joined: JoinResult; url: string }> {
    let at = url;
    for (let hop = 0; ; hop++) {
      const client = await HeadlessClient.connect(at, opts);
      try {
        return { client, joined: await client.join(req), url: at };
      } catch (e) {
        client.close();
        const next = e instanceof AppError ? e.details?.redirect : undefined;
        if (e instanceof AppError && e.code === 'ROOM_ELSEWHERE' && typeof next === 'string' && hop < 3) {
          log.debug(`room ${req.room} is on ${next}`);
          at = next;
        } else throw e;
      }
    }
  }

  /** Opens one member of a private camera session (`camera:open`; the ticket from POST /api/camera-sessions). */
  async openCamera(ticket: string, role: 'camera' | 'viewer'): Promise<CameraOpenResult> {
    const res = await this.request<CameraOpenResult>(CAMERA_OPEN_EVENT, { ticket, role });
    this.participantId = res.participantId;
    for (const p of res.participants) this.participants.set(p.id, p);
    return res;
  }

  async leave(): Promise<void> {
    await this.request(CLIENT_EVENTS.leave, {});
  }

  /** Stops receiving these participants, and anyone who joins later. */
  async unsubscribe(participantIds: string[]): Promise<void> {
    await this.request(CLIENT_EVENTS.unsubscribe, { participantIds });
  }

  async settings(settings: Settings): Promise<Required<Settings>> {
    const res = await this.request<{ settings: Required<Settings> }>(CLIENT_EVENTS.settings, settings);
    return res.settings;
  }

  /** Publishes tracks on the publish connection (adds to what is already published). */
  async publish(tracks: MediaStreamTrack[], streamId = 'camera'): Promise<void> {
    const pc = this.#pubPc ?? new wrtc.RTCPeerConnection({ iceServers: [] });
    this.#pubPc = pc;
    const stream = new wrtc.MediaStream();
    Object.defineProperty(stream, 'id', { value: streamId });
    for (const track of tracks) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitForGathering(pc);
    const local = pc.localDescription;
    if (!local) throw new AppError('NEGOTIATION_FAILED', 'no local offer');
    const res = await this.request<{ answer: Sdp }>(CLIENT_EVENTS.publishOffer, {
      offer: { type: 'offer', sdp: local.sdp },
    });
    await pc.setRemoteDescription(res.answer);
  }

  async #onSubscribeOffer(msg: SubscribeOffer): Promise<Sdp> {
    if (this.#closed) throw new Error('closed');
    this.#midMap = msg.tracks;
    let pc = this.#subPc;
    if (!pc) {
      pc = new wrtc.RTCPeerConnection({ iceServers: [] });
      this.#subPc = pc;
      pc.ontrack = (ev) => {
        const mid = ev.transceiver?.mid;
        const who = mid ? this.#midMap[mid] : undefined;
        if (!who) {
          log.debug(`track on unmapped mid ${mid}`);
          return;
        }
        const entry = this.remote.get(who.participantId) ?? {};
        entry[who.kind] = ev.track;
        this.remote.set(who.participantId, entry);
        this.emit('track', who.participantId, who.kind, ev.track);
      };
    }
    await pc.setRemoteDescription(msg.offer);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await waitForGathering(pc);
    const local = pc.localDescription;
    if (!local) throw new Error('no local answer');
    return { type: 'answer', sdp: local.sdp };
  }

  /** Standard WebRTC stats of the publish or subscribe connection (empty before it exists). */
  async getStats(target: 'publish' | 'subscribe'): Promise<Array<Record<string, unknown>>> {
    const pc = target === 'publish' ? this.#pubPc : this.#subPc;
    if (!pc) return [];
    const report = await pc.getStats();
    const out: Array<Record<string, unknown>> = [];
    report.forEach((s: Record<string, unknown>) => {
      out.push(s);
    });
    return out;
  }

  /** Resolves with a participant's remote track of a kind once it exists. */
  async waitForTrack(participantId: string, kind: Kind, timeoutMs = 15_000): Promise<MediaStreamTrack> {
    const have = this.remote.get(participantId)?.[kind];
    if (have) return have;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('track', on);
        reject(new AppError('NOT_FOUND', `no ${kind} track from ${participantId} after ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (pid: string, k: Kind, track: MediaStreamTrack) => {
        if (pid !== participantId || k !== kind) return;
        clearTimeout(t);
        this.off('track', on);
        resolve(track);
      };
      this.on('track', on);
    });
  }

  /** Closes both connections and the socket; the caller stops its own sources and sinks first. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pc of [this.#pubPc, this.#subPc]) {
      if (!pc) continue;
      for (const t of pc.getTransceivers()) {
        try {
          t.receiver.track?.stop();
        } catch {
          // already stopped
        }
      }
      pc.close();
    }
    this.#pubPc = null;
    this.#subPc = null;
    this.remote.clear();
    this.socket.disconnect();
    this.removeAllListeners();
  }
}
