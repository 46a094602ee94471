// A participant driven through the SFU interface directly, without signaling: werift connections on both sides
// (pure TypeScript, no decoding), synthetic RTP when publishing. Room-scale tests and benches use it to put 50
// people in a room on a 2-core machine; a browser or wrtc client does the same through socket.io.
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import type { Kind, Sdp, SubscribeOffer } from '../media/sdp-types.ts';
import type { SfuPeer, SfuRoom } from '../media/types.ts';
import { peerConfig } from '../media/werift/config.ts';
import type { TaskGate } from '../media/werift/task-gate.ts';

const KINDS: Kind[] = ['audio', 'video'];
/** A VP8 keyframe-start payload descriptor and header bits; the SFU never decodes past them. */
const VP8_KEYFRAME = Buffer.from([0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x10, 0x00]);
const OPUS_FRAME = Buffer.alloc(40, 0xfc);

export interface SfuParticipantOptions {
  /** Publish audio and video (synthetic packets). */
  publish?: boolean;
  /** Packets per second per published kind (default 10). */
  packetsPerSecond?: number;
}

export class SfuParticipant {
  readonly peer: SfuPeer;
  #pub: RTCPeerConnection | null = null;
  #sub: RTCPeerConnection | null = null;
  #timer: NodeJS.Timeout | null = null;
  #seq = 0;
  #closed = false;
  /** The last subscribe offer: its m-lines and its mid -> participant map. */
  lastOffer: SubscribeOffer | null = null;
  offers = 0;
  /** RTP packets received on the subscribe connection, per participant (by the mid map at arrival). */
  readonly received = new Map<string, number>();

  readonly #gate: TaskGate | null;

  /** `gate`: the clients' SDP work one task at a time, as if they ran elsewhere (they share the SFU's loop). */
  constructor(room: SfuRoom, id: string, gate: TaskGate | null = null) {
    this.#gate = gate;
    this.peer = room.createPeer(id);
    this.peer.setSubscribeOfferHandler((offer) => this.#answer(offer));
  }

  get id(): string {
    return this.peer.id;
  }

  /** m-lines in the last subscribe offer. */
  mLines(): number {
    return this.lastOffer ? (this.lastOffer.offer.sdp.match(/^m=/gm) ?? []).length : 0;
  }

  async publish(options: SfuParticipantOptions = {}): Promise<void> {
    const pc = new RTCPeerConnection(peerConfig());
    this.#pub = pc;
    const tracks = KINDS.map((kind) => {
      const track = new MediaStreamTrack({ kind });
      pc.addTransceiver(track, { direction: 'sendonly' });
      return track;
    });
    await pc.setLocalDescription(await pc.createOffer());
    const local = pc.localDescription;
    if (!local) throw new Error('no local offer');
    const answer = await this.peer.publish({ type: 'offer', sdp: local.sdp });
    await pc.setRemoteDescription(answer);
    const period = 1000 / (options.packetsPerSecond ?? 10);
    this.#timer = setInterval(() => this.#send(tracks), period);
    this.#timer.unref();
  }

  #send(tracks: MediaStreamTrack[]): void {
    if (this.#closed) return;
    this.#seq = (this.#seq + 1) & 0xffff;
    for (const track of tracks) {
      const video = track.kind === 'video';
      const header = new RtpHeader({
        sequenceNumber: this.#seq,
        timestamp: (this.#seq * (video ? 3000 : 960)) >>> 0,
        payloadType: video ? 96 : 111,
        marker: true,
      });
      track.writeRtp(new RtpPacket(header, video ? VP8_KEYFRAME : OPUS_FRAME));
    }
  }

  async #answer(msg: SubscribeOffer): Promise<Sdp> {
    if (this.#closed) throw new Error('closed');
    this.lastOffer = msg;
    this.offers++;
    let pc = this.#sub;
    if (!pc) {
      pc = new RTCPeerConnection(peerConfig());
      this.#sub = pc;
      const sub = pc;
      sub.onTrack.subscribe((track) => {
        const t = sub.getTransceivers().find((x) => x.receiver.tracks.includes(track));
        track.onReceiveRtp.subscribe(() => {
          const who = t?.mid ? this.lastOffer?.tracks[t.mid] : undefined;
          if (who) this.received.set(who.participantId, (this.received.get(who.participantId) ?? 0) + 1);
        });
      });
    }
    const sub = pc;
    const work = async () => {
      await sub.setRemoteDescription(msg.offer);
      await sub.setLocalDescription(await sub.createAnswer());
    };
    await (this.#gate ? this.#gate.run(work) : work());
    const local = pc.localDescription;
    if (!local) throw new Error('no local answer');
    return { type: 'answer', sdp: local.sdp };
  }

  /** Leaves the room: closes the SFU peer and both client connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.peer.close();
    await Promise.all([this.#pub?.close(), this.#sub?.close()]);
  }
}
