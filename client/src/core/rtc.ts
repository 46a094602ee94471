// WebRTC helpers shared by the call and the viewer: the subscribe connection (the server offers, with a mid ->
// participant map) and waiting for ICE gathering (the server takes candidates in the SDP).
import type { JoinResult, SubscribeOffer } from '../../../src/signaling/protocol.ts';
import type { Signaling } from './signaling.ts';

/** The join ack's TURN servers and transport policy, applied to a connection before it negotiates. The join
 * ack precedes the first subscribe offer on the socket, and nothing awaits between the ack and this call. */
export function applyIceConfig(res: JoinResult, ...pcs: RTCPeerConnection[]): void {
  const config: RTCConfiguration = {
    iceServers: res.iceServers ?? [],
    iceTransportPolicy: res.iceTransportPolicy ?? 'all',
  };
  for (const pc of pcs) pc.setConfiguration(config);
}

export function gathered(pc: RTCPeerConnection, timeoutMs = 2000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

export interface InboundVideoStats {
  fps: number;
  dropped: number;
  jitterMs: number;
  width: number;
  height: number;
}

/** Frames per second from a growing frame counter sampled now and then (getStats' framesPerSecond is often
 * missing or stale). */
export class FrameRate {
  readonly #last = new Map<string, { frames: number; at: number }>();

  fps(key: string, frames: number, atMs: number): number {
    const prev = this.#last.get(key);
    this.#last.set(key, { frames, at: atMs });
    if (!prev || atMs <= prev.at || frames < prev.frames) return 0;
    return ((frames - prev.frames) * 1000) / (atMs - prev.at);
  }
}

/** Receives the server's subscribe offers; calls onStream with each participant's stream (audio + video). */
export class Subscriber {
  readonly pc = new RTCPeerConnection({ iceServers: [] });
  readonly streams = new Map<string, MediaStream>();
  #mids: SubscribeOffer['tracks'] = {};
  readonly #rate = new FrameRate();
  #closed = false;

  constructor(
    signaling: Signaling,
    private readonly onStream: (participantId: string, stream: MediaStream) => void,
  ) {
    this.pc.ontrack = (ev) => {
      const who = ev.transceiver.mid ? this.#mids[ev.transceiver.mid] : undefined;
      if (!who) return;
      let s = this.streams.get(who.participantId);
      if (!s) {
        s = new MediaStream();
        this.streams.set(who.participantId, s);
      }
      for (const t of s.getTracks()) if (t.kind === ev.track.kind && t !== ev.track) s.removeTrack(t);
      if (!s.getTracks().includes(ev.track)) s.addTrack(ev.track);
      this.onStream(who.participantId, s);
    };
    signaling.socket.on(
      'subscribe:offer',
      async (
        msg: SubscribeOffer,
        ack: (
          r:
            | { ok: true; answer: RTCSessionDescriptionInit }
            | { ok: false; error: { code: string; message: string } },
        ) => void,
      ) => {
        if (this.#closed) return ack({ ok: false, error: { code: 'CLOSED', message: 'closed' } });
        try {
          this.#mids = msg.tracks;
          await this.pc.setRemoteDescription(msg.offer);
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          await gathered(this.pc);
          ack({ ok: true, answer: { type: 'answer', sdp: this.pc.localDescription?.sdp ?? '' } });
        } catch (e) {
          ack({ ok: false, error: { code: 'NEGOTIATION_FAILED', message: String(e) } });
        }
      },
    );
  }

  /** Inbound video stats per participant (by mid), for the overlay; fps from decoded-frame counts between calls. */
  async videoStats(): Promise<Map<string, InboundVideoStats>> {
    const out = new Map<string, InboundVideoStats>();
    if (this.#closed) return out;
    const report = await this.pc.getStats();
    report.forEach((s: RTCStats & Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      const who = typeof s.mid === 'string' ? this.#mids[s.mid] : undefined;
      if (!who) return;
      const emitted = Number(s.jitterBufferEmittedCount ?? 0);
      out.set(who.participantId, {
        fps: this.#rate.fps(who.participantId, Number(s.framesDecoded ?? 0), s.timestamp),
        dropped: Number(s.framesDropped ?? 0),
        jitterMs: emitted > 0 ? (Number(s.jitterBufferDelay ?? 0) / emitted) * 1000 : 0,
        width: Number(s.frameWidth ?? 0),
        height: Number(s.frameHeight ?? 0),
      });
    });
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
  }
}
