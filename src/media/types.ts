// The SFU's narrow interface: rooms, peers, publish, subscribe, close. The werift backend implements it; a
// mediasoup backend could implement the same where mediasoup installs. Signaling talks only to these types.

import type { TypedEmitter } from '../util/typed-emitter.ts';
import type { Kind, Sdp, SubscribeOffer } from './sdp-types.ts';

export type IceTarget = 'publish' | 'subscribe';
export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** Answers the server's subscribe offer (the signaling layer asks the client). */
export type SubscribeOfferHandler = (offer: SubscribeOffer) => Promise<Sdp>;

export interface SubscribeOptions {
  /** Receive the participant's own camera even when a processed source is routed for it (agents need this). */
  raw?: boolean;
}

export interface PeerStats {
  id: string;
  publishing: Record<Kind, boolean>;
  /** RTP packets received from this peer, per kind. */
  packetsIn: Record<Kind, number>;
  /** RTP packets forwarded to this peer (as a subscriber). */
  packetsOut: number;
  subscriptions: string[];
}

export type SfuPeerEvents = {
  close: [];
  /** The peer started publishing a kind (first track of that kind on its publish connection). */
  produce: [Kind];
  /** The subscribe connection reached `connected`. */
  subscribeconnected: [];
  /** A transport failed (ICE/DTLS): the signaling layer decides what to tell the client. */
  transportfailed: [IceTarget];
};

export interface SfuPeer extends TypedEmitter<SfuPeerEvents> {
  readonly id: string;
  readonly closed: boolean;
  /** Applies the client's publish offer (first or renegotiation) and returns the answer. */
  publish(offer: Sdp): Promise<Sdp>;
  addIceCandidate(target: IceTarget, candidate: IceCandidateInit | null): Promise<void>;
  /**
   * Declares a subscription to a participant present in the room (NOT_FOUND otherwise); it need not be
   * publishing yet. It ends when either side leaves.
   */
  subscribe(participantId: string, options?: SubscribeOptions): void;
  unsubscribe(participantId: string): void;
  subscriptions(): string[];
  setSubscribeOfferHandler(handler: SubscribeOfferHandler): void;
  /** Sends a fresh subscribe offer even without changes. */
  renegotiate(): void;
  publishing(): Record<Kind, boolean>;
  stats(): PeerStats;
  close(): void;
}

export type SfuRoomEvents = {
  close: [];
  peerclose: [SfuPeer];
  /** The source actually forwarded for a participant changed (after the new source's keyframe). */
  sourcechange: [participantId: string, sourcePeerId: string];
};

export interface CreatePeerOptions {
  /** Agents do not count toward the room's participant cap (the agent limits bound them). Default 'user'. */
  role?: 'user' | 'agent';
}

export interface SfuRoom extends TypedEmitter<SfuRoomEvents> {
  readonly id: string;
  readonly closed: boolean;
  /** Adds a peer; ROOM_FULL when the room already holds `maxParticipants` users. */
  createPeer(id: string, options?: CreatePeerOptions): SfuPeer;
  getPeer(id: string): SfuPeer | undefined;
  peers(): SfuPeer[];
  /**
   * Routes what subscribers receive for `participantId` (unless they subscribed raw) from another peer's
   * publications (the agent's processed output), or back to the participant's own with null. Video switches on
   * the new source's next keyframe; audio follows video when the new source publishes audio.
   */
  setRoute(participantId: string, sourcePeerId: string | null): void;
  /** The peer whose packets subscribers currently receive for this participant's video. */
  currentSource(participantId: string): string;
  /**
   * Delays the participant's own audio to non-raw subscribers while its video is routed through another peer
   * (the agent reports how much later its video is); ignored, and ramped back to 0, while the video is raw.
   */
  setAudioDelay(participantId: string, ms: number): void;
  /** The audio delay currently applied for a participant, ms. */
  audioDelay(participantId: string): number;
  close(): void;
}

export type SfuEvents = { close: []; roomclose: [SfuRoom] };

export interface Sfu extends TypedEmitter<SfuEvents> {
  readonly closed: boolean;
  createRoom(id: string): SfuRoom;
  getRoom(id: string): SfuRoom | undefined;
  rooms(): SfuRoom[];
  close(): void;
}

export interface SfuOptions {
  /** REMB sent to every video publisher, bits per second (default 1.8 Mbps; env SFU_REMB_BPS). */
  rembBps?: number;
  /** Video playout-delay cap sent to subscribers, ms (default 100; env SFU_MAX_PLAYOUT_DELAY_MS; -1 = none). */
  maxPlayoutDelayMs?: number;
  /** REMB period, ms (default 500). */
  rembIntervalMs?: number;
  /** Minimum interval between keyframe requests to one publisher, ms (default 300). */
  pliThrottleMs?: number;
  /** Extra host addresses to offer as ICE candidates (e.g. 127.0.0.1 on hosts without another interface). */
  extraHostAddresses?: string[];
  /** Gather IPv6 host candidates too (default false; env SFU_ICE_IPV6=1): one more socket per connection. */
  iceIpv6?: boolean;
  /** Users per room (agents not counted); more get ROOM_FULL (default 50; env ROOM_MAX_PARTICIPANTS). */
  maxParticipants?: number;
}
