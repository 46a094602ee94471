// The client <-> server signaling protocol (socket.io). Every event name, payload and ack lives here, as zod
// schemas (validated on the server) and the TS types derived from them (used by clients).
//
// Conventions
// - Requests: the client emits `socket.emit(event, payload, ack)`; the server always answers through `ack` with
//   `{ ok: true, ...result } | { ok: false, error: { code, message } }` (codes: ErrorCode in src/util/errors.ts).
//   A request without an ack callback is answered with a `server:error` push instead.
// - Pushes: the server emits `socket.emit(event, payload)` with no ack, except `subscribe:offer`, which the client
//   answers through its ack with `{ ok: true, answer }` (the server offers on the subscribe connection).
// - Unknown events get `UNKNOWN_EVENT`, invalid payloads `BAD_REQUEST`, payloads over MAX_PAYLOAD_BYTES
//   `PAYLOAD_TOO_LARGE`, floods `RATE_LIMITED`, requests before `join` `NOT_JOINED`. Wrong passcodes are limited
//   per client address and per room with exponential back-off: `RATE_LIMITED` with `retryAfterMs`.
// - Turning a mode on beyond the server's agent cap answers `AGENT_LIMIT` (mode unchanged); without agents at
//   all `AGENT_UNAVAILABLE`. Each participant has at most one agent.
// - Handshake: browsers pass their identity owner token as socket.io `auth: { owner }`.
// - Roles: every member who receives media is listed to the room's users with a server-set `role`: `user` (any
//   client, under its cleaned display name) or `viewer` (joined with `view`: named "clean feed", subscribed to
//   its one participant only, told of no one else, FORBIDDEN to publish or subscribe elsewhere).
//
// Media shape (what the client does with it)
// - One publish RTCPeerConnection: the client adds its camera/microphone (sendonly) and sends the offer with
//   `publish:offer`; the ack carries the answer. Renegotiation (adding/removing a track) is another
//   `publish:offer` on the same connection.
// - One subscribe RTCPeerConnection: the server sends `subscribe:offer` (one negotiation at a time), with a map
//   mid -> { participantId, kind } so the client knows whose track arrives on which transceiver. Audio and video
//   of one participant have separate msid streams: the SFU keeps lip sync (delayed audio), not the receiver.
// - When a participant turns a mode on, the server swaps, for every subscriber, the RTP source of that
//   participant's video from the raw camera to the agent's processed output, at the output's first keyframe;
//   the mid map does not change (`participant:updated` says `video: 'processed' | 'raw' | 'held'`). Nothing to
//   renegotiate on the client. Avatar mode fails closed: while no agent serves it (starting, crashed, hung,
//   restarting) the video is 'held' (nothing is forwarded; clients show a placeholder), never the camera; an
//   agent's loss is pushed as `agent:status` 'fallback-held' (avatar) or 'fallback-camera' (eye contact only),
//   and the server restarts it by itself (back-off, then 'error'). The participant's audio stays its own, delayed in the SFU by the video's
//   measured delay through the agent (lip sync).
// - ICE: the server runs without STUN/TURN (host candidates: its interfaces, or ANNOUNCED_IP). Its SDP carries
//   all its candidates; clients may trickle theirs with `ice` (or wait for gathering to complete before
//   offering). The join ack gives browsers `iceServers` (short-lived TURN credentials when TURN is configured)
//   and `iceTransportPolicy` for their RTCPeerConnections.
import { z } from 'zod';
import type { Kind, Sdp, SubscribeOffer } from '../media/sdp-types.ts';

export type { Kind, Sdp, SubscribeOffer };

/** The schemas parse to exactly the media layer's types: a compile error here when the two drift apart. */
type InStep<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const mediaTypesInStep: [
  InStep<z.infer<typeof KindSchema>, Kind>,
  InStep<z.infer<typeof SdpSchema>, Sdp>,
  InStep<z.infer<typeof SubscribeOfferSchema>, SubscribeOffer>,
] = [true, true, true];
void mediaTypesInStep;

/** Largest accepted payload of one event (JSON-serialized); SDPs of a few tracks are ~5-10 kB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Per-socket rate limit: at most RATE_LIMIT_BURST events, refilled at RATE_LIMIT_PER_SEC. */
export const RATE_LIMIT_BURST = 40;
export const RATE_LIMIT_PER_SEC = 20;

// ---------- shared pieces ----------

export const ErrorCodeSchema = z.string();
export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** With RATE_LIMITED: how long to wait before trying again, ms. */
  retryAfterMs: z.number().optional(),
  /** With ROOM_ELSEWHERE: the URL of the server node that holds the room; join there. */
  redirect: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (res: Ack<T>) => void;

export const RoomNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'room: letters, digits, _ and - only');
/** A display name as the server keeps it: control and invisible format characters (zero-width, bidi overrides)
 * removed, runs of white space made one space; nothing visible left is BAD_REQUEST. Every member sees this. */
export function cleanDisplayName(raw: string): string {
  return raw.normalize('NFC').replace(/\p{C}/gu, '').replace(/\s+/gu, ' ').trim();
}
export const DisplayNameSchema = z
  .string()
  .max(256)
  .transform(cleanDisplayName)
  .pipe(z.string().min(1, 'no visible characters').max(64));
export const ParticipantIdSchema = z.string().min(1).max(64);
export const KindSchema = z.enum(['audio', 'video']);

/** none = plain camera; avatar = the chosen identity driven by the user; eyes = eye contact; both. */
export const ModeSchema = z.enum(['none', 'avatar', 'eyes', 'both']);
export type Mode = z.infer<typeof ModeSchema>;

export const SdpSchema = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1).max(60_000) });

export const IceCandidateSchema = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(32).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullish(),
  usernameFragment: z.string().max(256).nullish(),
});

/** What the agent reports about a participant's processed stream. */
export const AgentStateSchema = z.enum([
  'ok', // processed frames flowing
  'no-face', // no face in the camera: output shows the fallback for the mode
  'fallback-still', // avatar mode fallback: the identity's still photo with the last good pose
  'fallback-passthrough', // eye-contact fallback: the original frame
  'busy', // server overloaded: frames dropped heavily or the agent is starting
  // The agent was lost (crashed, hung, or did not start) and is being restarted:
  'fallback-held', // avatar mode: nothing of the camera is forwarded; viewers show a placeholder
  'fallback-camera', // eye contact only: the raw camera is forwarded meanwhile
  'error', // restarts gave up: avatar stays held (never the camera), eye contact shows the camera
]);
export type AgentState = z.infer<typeof AgentStateSchema>;

/** `user`: a person (publishes, receives everyone); `viewer`: a clean feed (receives one participant, publishes
 * nothing). Set by the server, never by the client's choice of name; agents are not listed (their output is
 * their user's video, marked by `mode` and `video`). */
export const RoleSchema = z.enum(['user', 'viewer']);
export type Role = z.infer<typeof RoleSchema>;

export const ParticipantSchema = z.object({
  id: ParticipantIdSchema,
  displayName: DisplayNameSchema,
  role: RoleSchema,
  /** Viewers: the participant shown (null while the one asked for is not in the room). */
  viewing: ParticipantIdSchema.nullable().optional(),
  /** Kinds this participant currently publishes. */
  publishing: z.object({ audio: z.boolean(), video: z.boolean() }),
  mode: ModeSchema,
  /** Which source subscribers receive for this participant's video: the camera, the agent's output, or (avatar
   * mode while its agent is starting or lost) nothing: show a placeholder. Audio is always the participant's
   * own, held back by the SFU while the video is processed (lip sync). Identity ids are never broadcast. */
  video: z.enum(['raw', 'processed', 'held']),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const SettingsSchema = z.object({
  mode: ModeSchema,
  /** Identity photo set for avatar mode (ids from the identity API); null = none chosen. Only the identity's
   * owner (the socket's handshake `auth.owner`, the x-gazecam-owner token) may use it: else IDENTITY_NOT_FOUND. */
  identityId: z.string().min(1).max(128).nullable().optional(),
  /** Debug view: the agent sends this user (only) its key-point sketch with gaze colours (`agent:sketch`). */
  debugSketch: z.boolean().optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const AgentStatusSchema = z.object({
  participantId: ParticipantIdSchema,
  state: AgentStateSchema,
  /** Output frames per second over the last ~2 s. */
  fps: z.number(),
  /** Input frames dropped (latest frame wins) since the agent started. */
  drops: z.number().int(),
  /** Mean processing time per frame, ms, over the last ~2 s. */
  ms: z.number(),
  /** What the SFU delays the participant's audio by while the processed video is forwarded, ms: the video's
   * added latency less the lag audio has anyway and a 20 ms margin (0 when audio's own lag covers it). */
  audioDelayMs: z.number().optional(),
  /** How much later the processed video reaches receivers than the raw camera would, ms, measured by the agent
   * (frame loop + decode, encode and pacing). */
  videoDelayMs: z.number().optional(),
  /** Frames whose processing threw since the agent started (each got the mode's fallback). */
  failures: z.number().int().optional(),
  message: z.string().optional(),
  /** The mode the agent's latest output frame was made with (the server waits for 'avatar' before it routes an
   * agent that was serving eye contact to viewers as an avatar). */
  mode: ModeSchema.optional(),
});
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

// ---------- client -> server requests (each with an ack) ----------

/** `join`: enter a room (created on first join). Ack: your id and everyone already there. */
export const JoinRequestSchema = z.object({
  room: RoomNameSchema,
  displayName: DisplayNameSchema,
  /** Required when the room was created with a passcode (the first joiner sets it). */
  passcode: z.string().min(1).max(128).optional(),
  /** Internal: agents join with the server's agent token and the participant they serve. */
  agent: z.object({ token: z.string().min(1).max(256), forParticipantId: ParticipantIdSchema }).optional(),
  /** Join as a clean-feed viewer of one participant (id or display name): listed to everyone as a viewer named
   * by the server, subscribed to that participant only (once present), never publishing. */
  view: z.object({ participant: z.string().min(1).max(64) }).optional(),
});
export type JoinRequest = z.infer<typeof JoinRequestSchema>;
/** A TURN (or STUN) server for the client's RTCPeerConnections; TURN credentials expire (turn-credentials.ts). */
export type IceServer = { urls: string[]; username?: string; credential?: string };
/** `relay`: the client's connections use TURN relay candidates only. */
export type IceTransportPolicy = 'all' | 'relay';
export type JoinResult = {
  participantId: string;
  room: string;
  participants: Participant[];
  /** For the client's connections (RTCConfiguration); absent from older servers. */
  iceServers?: IceServer[];
  iceTransportPolicy?: IceTransportPolicy;
};

/** `leave`: leave the room (also done on disconnect). Ack: {}. */
export const LeaveRequestSchema = z.object({}).strict().optional();

/** `publish:offer`: the publish connection's offer (first or renegotiation). Ack: { answer }. */
export const PublishOfferSchema = z.object({ offer: SdpSchema });
export type PublishOffer = z.infer<typeof PublishOfferSchema>;
export type PublishResult = { answer: Sdp };

/** `ice`: a trickled candidate for one of the client's connections (null candidate = end of candidates). */
export const IceRequestSchema = z.object({
  target: z.enum(['publish', 'subscribe']),
  candidate: IceCandidateSchema.nullable(),
});
export type IceRequest = z.infer<typeof IceRequestSchema>;

/** `subscribe`: receive these participants (or 'all', the default after join). May precede their publishing. */
export const SubscribeRequestSchema = z.object({
  participantIds: z.union([z.literal('all'), z.array(ParticipantIdSchema).max(64)]),
});
export type SubscribeRequest = z.infer<typeof SubscribeRequestSchema>;

/** `unsubscribe`: stop receiving these participants. */
export const UnsubscribeRequestSchema = z.object({ participantIds: z.array(ParticipantIdSchema).max(64) });

/** `subscribe:renegotiate`: ask the server to send a fresh `subscribe:offer` (e.g. after a client-side failure). */
export const RenegotiateRequestSchema = z.object({}).strict().optional();

/** `settings`: mode and identity; applied live. Ack: { settings }. */
export const SettingsRequestSchema = SettingsSchema;
export type SettingsResult = { settings: Required<Settings> };

// ---------- server -> client pushes ----------

/** `subscribe:offer`: the server's offer for the subscribe connection; answer through the ack. */
export const SubscribeOfferSchema = z.object({
  offer: SdpSchema,
  /** mid -> whose track this transceiver carries; mids not listed are inactive. */
  tracks: z.record(z.string(), z.object({ participantId: ParticipantIdSchema, kind: KindSchema })),
});
export type SubscribeOfferAck = Ack<{ answer: Sdp }>;

/** `participants`: the full list (after join and whenever it is simpler than deltas). */
export type ParticipantsPush = { participants: Participant[] };
/** `participant:joined` */
export type ParticipantJoinedPush = { participant: Participant };
/** `participant:left`: reason = 'left' | 'disconnected' | 'kicked'. */
export type ParticipantLeftPush = { participantId: string; reason: 'left' | 'disconnected' | 'kicked' };
/** `participant:updated`: publishing, mode or video source changed. */
export type ParticipantUpdatedPush = { participant: Participant };
/** `agent:status`: the state of a participant's processed stream (to everyone in the room), every ~1 s. */
export type AgentStatusPush = AgentStatus;
/** `stats`: room statistics every ~2 s. */
export type StatsPush = {
  room: string;
  participants: number;
  agents: Array<AgentStatus>;
};
/** `server:shutdown`: the server is stopping (restart or shutdown); sockets close right after. Reconnect later. */
export type ServerShutdownPush = { reason: 'restarting'; message: string };
/** `server:error`: an error without an ack to carry it (unknown event without ack, agent lost, ...). */
export type ServerErrorPush = ErrorBody & { event?: string; participantId?: string };

// ---------- event name table ----------

export const CLIENT_EVENTS = {
  join: 'join',
  leave: 'leave',
  publishOffer: 'publish:offer',
  ice: 'ice',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  renegotiate: 'subscribe:renegotiate',
  settings: 'settings',
} as const;

export const SERVER_EVENTS = {
  subscribeOffer: 'subscribe:offer',
  /** Internal, to agents only: the participant the agent serves changed settings. */
  agentSettings: 'agent:settings',
  participants: 'participants',
  participantJoined: 'participant:joined',
  participantLeft: 'participant:left',
  participantUpdated: 'participant:updated',
  agentStatus: 'agent:status',
  /** To the participant the agent serves only, while its settings ask for debugSketch: an AgentSketch. */
  agentSketch: 'agent:sketch',
  stats: 'stats',
  serverError: 'server:error',
  serverShutdown: 'server:shutdown',
} as const;

/** Agent -> server, internal: `agent:report` with an AgentStatus (no ack needed). */
export const AGENT_REPORT_EVENT = 'agent:report';
/** Client -> server: `camera:open` (camera sessions, below). */
export const CAMERA_OPEN_EVENT = 'camera:open';
export const AgentReportSchema = AgentStatusSchema;

/** Largest sketch JPEG (bytes) an agent may send: well under MAX_PAYLOAD_BYTES once base64-encoded. */
export const MAX_SKETCH_JPEG_BYTES = 32 * 1024;
/** Agent -> server, internal: `agent:sketch` with an AgentSketch; the server relays it to its user only. */
export const AGENT_SKETCH_EVENT = 'agent:sketch';
export const AgentSketchSchema = z.object({
  participantId: ParticipantIdSchema,
  /** Base64 of a JPEG, width x height. */
  jpeg: z
    .string()
    .min(4)
    .max(Math.ceil(MAX_SKETCH_JPEG_BYTES / 3) * 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
  width: z.number().int().min(16).max(512),
  height: z.number().int().min(16).max(512),
});
export type AgentSketch = z.infer<typeof AgentSketchSchema>;
/** `agent:sketch` push: the debug sketch of your own processed stream (only while debugSketch is on). */
export type AgentSketchPush = AgentSketch;

// ---------- camera sessions (the browser extension's camera, `npm run vcam`) ----------
// A camera session is a private room the server creates for one identity owner: `POST /api/camera-sessions`
// (x-gazecam-owner) answers a ticket; the client opens the session with `camera:open` on two connections: the
// `camera` (publishes the real camera, owns the settings; its identities are the ticket owner's) and the
// `viewer` (receives the camera's processed video, as a call would). Nobody can `join` the room, nobody else is
// in it, and a socket from a page admitted only by CAMERA_ORIGINS may do nothing but this.

/** `camera:open`: enter the ticket's private room as its camera or its viewer. Ack: CameraOpenResult. */
export const CameraOpenRequestSchema = z.object({
  ticket: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'ticket: not a camera ticket'),
  role: z.enum(['camera', 'viewer']),
});
export type CameraOpenRequest = z.infer<typeof CameraOpenRequestSchema>;
/** The join answer, plus the camera participant's id (null for a viewer that opened before the camera). */
export type CameraOpenResult = JoinResult & { camera: string | null };

/** Request schemas by event name: the server validates every incoming request against this table. */
export const REQUEST_SCHEMAS = {
  [CLIENT_EVENTS.join]: JoinRequestSchema,
  [CLIENT_EVENTS.leave]: LeaveRequestSchema,
  [CLIENT_EVENTS.publishOffer]: PublishOfferSchema,
  [CLIENT_EVENTS.ice]: IceRequestSchema,
  [CLIENT_EVENTS.subscribe]: SubscribeRequestSchema,
  [CLIENT_EVENTS.unsubscribe]: UnsubscribeRequestSchema,
  [CLIENT_EVENTS.renegotiate]: RenegotiateRequestSchema,
  [CLIENT_EVENTS.settings]: SettingsRequestSchema,
  [AGENT_REPORT_EVENT]: AgentReportSchema,
  [AGENT_SKETCH_EVENT]: AgentSketchSchema,
  [CAMERA_OPEN_EVENT]: CameraOpenRequestSchema,
} as const;
export type RequestEvent = keyof typeof REQUEST_SCHEMAS;
