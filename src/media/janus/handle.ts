// One VideoRoom plugin handle on a Janus session: synchronous plugin requests (create, destroy, exists),
// asynchronous ones (join, configure, subscribe, switch, start...) that resolve with their event, trickle, and
// the handle's own events (plugin events, webrtcup, hangup).
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { IceCandidateInit } from '../types.ts';
import { type JanusMessage, type Jsep, VIDEOROOM_PLUGIN, type VideoRoomData } from './messages.ts';
import { type JanusSession, janusError } from './session.ts';

const log = createLogger('media:janus:handle');

export type JanusHandleEvents = {
  /** A plugin event (with the JSEP Janus attached, if any): replies to requests arrive here too. */
  event: [data: VideoRoomData, jsep: Jsep | undefined];
  /** The handle's PeerConnection is up (ICE and DTLS done). */
  webrtcup: [];
  /** The handle's PeerConnection went down. */
  hangup: [reason: string];
};

/** A plugin reply that carries an error as an AppError. */
function pluginError(data: VideoRoomData | undefined, what: string): AppError | null {
  if (!data?.error_code) return null;
  return new AppError('NEGOTIATION_FAILED', `Janus ${what}: ${data.error} (${data.error_code})`);
}

export class JanusHandle extends TypedEmitter<JanusHandleEvents> {
  readonly id: number;
  readonly #session: JanusSession;
  #detached = false;

  private constructor(session: JanusSession, id: number) {
    super();
    this.#session = session;
    this.id = id;
    session.addHandle(id, (m) => this.#onMessage(m));
  }

  static async attach(session: JanusSession): Promise<JanusHandle> {
    const res = await session.post(`${session.id}`, { janus: 'attach', plugin: VIDEOROOM_PLUGIN });
    if (res.janus !== 'success' || !res.data?.id) throw janusError(res, 'attach');
    return new JanusHandle(session, res.data.id);
  }

  get detached(): boolean {
    return this.#detached;
  }

  #onMessage(m: JanusMessage): void {
    if (m.janus === 'event' && m.plugindata) this.emit('event', m.plugindata.data, m.jsep);
    else if (m.janus === 'webrtcup') this.emit('webrtcup');
    else if (m.janus === 'hangup') this.emit('hangup', m.reason ?? 'hangup');
    else if (m.janus === 'detached') this.#detached = true;
  }

  get #path(): string {
    return `${this.#session.id}/${this.id}`;
  }

  /** A synchronous plugin request (create, destroy, exists, listparticipants): resolves with its data. */
  async query(body: Record<string, unknown>): Promise<VideoRoomData> {
    const res = await this.#session.post(this.#path, { janus: 'message', body });
    if (res.janus !== 'success') throw janusError(res, String(body.request));
    const data = res.plugindata?.data;
    const err = pluginError(data, String(body.request));
    if (err) throw err;
    return data ?? {};
  }

  /** An asynchronous plugin request: resolves with the event that answers it (and its JSEP). */
  async send(body: Record<string, unknown>, jsep?: Jsep): Promise<{ data: VideoRoomData; jsep?: Jsep }> {
    const res = await this.#session.request(this.#path, { janus: 'message', body }, jsep);
    if (res.janus === 'error') throw janusError(res, String(body.request));
    const data = res.plugindata?.data ?? {};
    const err = pluginError(data, String(body.request));
    if (err) throw err;
    return { data, jsep: res.jsep };
  }

  /** Trickles one candidate of the client's, or the end of its candidates (null). */
  async trickle(candidate: IceCandidateInit | null): Promise<void> {
    const body = candidate
      ? {
          candidate: {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? undefined,
            sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
          },
        }
      : { candidate: { completed: true } };
    const res = await this.#session.post(this.#path, { janus: 'trickle', ...body });
    if (res.janus === 'error') throw new AppError('BAD_REQUEST', `bad ICE candidate: ${res.error?.reason}`);
  }

  /** Detaches from the plugin (a publisher leaves the room, a subscription ends); idempotent. */
  async detach(): Promise<void> {
    if (this.#detached) return;
    this.#detached = true;
    this.removeAllListeners();
    if (this.#session.closed) return;
    try {
      await this.#session.post(this.#path, { janus: 'detach' });
    } catch (e) {
      log.debug(`detach ${this.id} failed`, (e as Error).message);
    } finally {
      this.#session.removeHandle(this.id);
    }
  }
}
