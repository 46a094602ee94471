// A receive-only view of one participant's processed stream: the clean feed page and your own processed preview.
// It joins the room as a viewer (`view` in the join): the server lists it to everyone as a clean feed, subscribes
// it to that one participant (found by id or by display name, now or when they join) and tells it of no one else.
import type {
  CameraOpenResult,
  JoinResult,
  Participant,
  ParticipantLeftPush,
  ParticipantUpdatedPush,
} from '../../../src/signaling/protocol.ts';
import { applyIceConfig, Subscriber } from './rtc.ts';
import { Signaling, type SignalingOptions } from './signaling.ts';

export interface ViewerOptions {
  room: string;
  /** Participant id, or display name. */
  participant: string;
  passcode?: string;
  onStream(stream: MediaStream): void;
  onState?(state: string): void;
  /** The server and handshake (default: this page's origin, the owner token). */
  signaling?: SignalingOptions;
  /** View a private camera session's camera (its ticket) instead of joining `room`. */
  cameraTicket?: string;
}

export class Viewer {
  readonly signaling: Signaling;
  readonly subscriber: Subscriber;
  #target: string | null = null;
  #closed = false;

  private constructor(private readonly opts: ViewerOptions) {
    this.signaling = new Signaling(opts.signaling);
    this.subscriber = new Subscriber(this.signaling, (id, s) => {
      if (id === this.#target && !this.#closed) opts.onStream(s);
    });
    this.signaling.on<ParticipantUpdatedPush>('participant:joined', ({ participant }) =>
      this.#consider(participant),
    );
    this.signaling.on<ParticipantLeftPush>('participant:left', ({ participantId }) => {
      if (participantId === this.#target) {
        this.#target = null;
        opts.onState?.('waiting');
      }
    });
    this.signaling.socket.on('disconnect', () => opts.onState?.('disconnected'));
  }

  static async open(opts: ViewerOptions): Promise<Viewer> {
    const v = new Viewer(opts);
    try {
      if (opts.cameraTicket) {
        const res = await v.signaling.request<CameraOpenResult>('camera:open', {
          ticket: opts.cameraTicket,
          role: 'viewer',
        });
        applyIceConfig(res, v.subscriber.pc);
        opts.onState?.('waiting');
        // The server subscribed the viewer to the camera (alone in the room).
        const camera = res.participants.find((p) => p.id === res.camera);
        if (camera) v.#consider(camera);
        return v;
      }
      const res = await v.signaling.request<JoinResult>('join', {
        room: opts.room,
        displayName: 'clean feed', // the server names viewers itself
        passcode: opts.passcode || undefined,
        view: { participant: opts.participant },
      });
      applyIceConfig(res, v.subscriber.pc);
      const want = opts.participant;
      const target =
        res.participants.find((p) => p.id === want) ?? res.participants.find((p) => p.displayName === want);
      opts.onState?.('waiting');
      if (target) v.#consider(target);
      return v;
    } catch (e) {
      v.close();
      throw e;
    }
  }

  #consider(p: Participant): void {
    if (this.#target || this.#closed) return;
    if (p.id !== this.opts.participant && p.displayName !== this.opts.participant) return;
    this.#target = p.id;
    this.opts.onState?.('connecting');
    // Subscribed by the server; the stream may have arrived already.
    const existing = this.subscriber.streams.get(p.id);
    if (existing?.getVideoTracks().length) this.opts.onStream(existing);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.subscriber.close();
    this.signaling.close();
  }
}
