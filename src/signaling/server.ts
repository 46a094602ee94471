// socket.io signaling, the socket side only: validates every request against protocol.ts, answers with coded
// acks, and hands each typed request to its CallRoom. Rooms own their members; the AgentSupervisor owns agents.
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server as IoServer, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { Sfu } from '../media/types.ts';
import { AppError, toAppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { type AgentCapacity, AgentSupervisor, type AgentSupervisorOptions } from './agent-supervisor.ts';
import type { AgentLauncher } from './agents.ts';
import { CallRoom, type Member } from './call-room.ts';
import { CameraSessions, joinCameraSession } from './camera-session.ts';
import { PasscodeGuard, type PasscodeGuardOptions } from './passcode-guard.ts';
import {
  type Ack,
  type AgentStatus,
  MAX_PAYLOAD_BYTES,
  type Participant,
  RATE_LIMIT_BURST,
  RATE_LIMIT_PER_SEC,
  REQUEST_SCHEMAS,
  type RequestEvent,
  type Sdp,
  SdpSchema,
  SERVER_EVENTS,
  type ServerShutdownPush,
  type SubscribeOffer,
} from './protocol.ts';
import { RateLimiter } from './rate-limit.ts';
import type { RoomPlacement } from './room-placement.ts';
import { checkPublishOffer, checkSubscribeAnswer } from './sdp-bounds.ts';
import { capSessionsPerAddress } from './session-cap.ts';
import { iceConfigFor } from './turn-credentials.ts';

const log = createLogger('signaling:server');
const OFFER_ACK_TIMEOUT_MS = 10_000;
/** How long close() gives the `server:shutdown` push to reach clients before the sockets close. */
const SHUTDOWN_NOTICE_MS = 150;

export interface SignalingOptions {
  sfu: Sfu;
  /** Starts inference agents; without one, turning a mode on answers AGENT_UNAVAILABLE. */
  launcher?: AgentLauncher;
  /** This server's own URL, for agents to connect back (known after listen). */
  serverUrl: () => string;
  statsIntervalMs?: number;
  /** Agent caps and supervision (AGENT_MAX and friends). */
  agents?: Omit<AgentSupervisorOptions, 'launcher' | 'serverUrl'>;
  /** May the holder of this owner token (handshake `auth.owner`) use this identity? Without it: nobody may. */
  canUseIdentity?: (owner: string | null, identityId: string) => boolean | Promise<boolean>;
  /** Passcode back-off (tests shorten it). */
  passcodes?: PasscodeGuardOptions;
  /** Admits a socket.io handshake (Host/Origin policy); refused ones get 403 before any session exists. */
  allowRequest?: (req: IncomingMessage) => boolean;
  /** Admits a handshake that allowRequest refused as a camera page (CAMERA_ORIGINS): `camera:open` only. */
  allowCameraPage?: (req: IncomingMessage) => boolean;
  /** Several server nodes: which node holds each room (none: every room lives here). */
  placement?: RoomPlacement;
  /** Sessions one client address (IPv6: one /64) may hold; more get a BUSY connect_error (default: no cap). */
  maxPerAddress?: { sessions: number; exempt?: string[] };
}

export interface ServerStats {
  rooms: Array<{
    name: string;
    participants: Participant[];
    viewers: Participant[];
    agents: AgentStatus[];
    peers: number;
  }>;
  peers: number;
  agents: AgentStatus[];
  /** The agent cap and the measurement it was sized from (AgentSupervisor.sizeFromCost). */
  agentCapacity: AgentCapacity;
}

type Payload<E extends RequestEvent> = z.infer<(typeof REQUEST_SCHEMAS)[E]>;
interface Joined {
  room: CallRoom;
  member: Member;
}
type Handlers = {
  [E in RequestEvent]: (socket: Socket, data: Payload<E>, joined: Joined | null) => Promise<object> | object;
};

function needJoined(joined: Joined | null, event: string): Joined {
  if (!joined) throw new AppError('NOT_JOINED', `join a room before "${event}"`);
  return joined;
}

function ownerOf(socket: Socket): string | null {
  // A camera session's sockets wear the identities of the owner who asked for its ticket.
  const sessionOwner = (socket.data as { owner?: unknown }).owner;
  if (typeof sessionOwner === 'string') return sessionOwner;
  const owner = (socket.handshake.auth as { owner?: unknown } | undefined)?.owner;
  return typeof owner === 'string' && owner.length > 0 && owner.length <= 256 ? owner : null;
}

export class SignalingServer {
  readonly io: IoServer;
  readonly agents: AgentSupervisor;
  /** Private camera sessions (tickets from `POST /api/camera-sessions`). */
  readonly cameras = new CameraSessions();
  #opts: SignalingOptions;
  #rooms = new Map<string, CallRoom>();
  #bySocket = new Map<string, Joined>();
  #passcodes: PasscodeGuard;
  #statsTimer: NodeJS.Timeout;
  #closed = false;

  constructor(http: HttpServer, opts: SignalingOptions) {
    this.#opts = opts;
    this.agents = new AgentSupervisor({ ...opts.agents, launcher: opts.launcher, serverUrl: opts.serverUrl });
    this.#passcodes = new PasscodeGuard(opts.passcodes);
    this.io = new IoServer(http, {
      maxHttpBufferSize: MAX_PAYLOAD_BYTES * 4,
      serveClient: true, // /socket.io/socket.io.min.js for the static client
      cors: { origin: false },
      allowRequest: (req, cb) => {
        let ok: boolean;
        try {
          ok = (opts.allowRequest?.(req) ?? true) || (opts.allowCameraPage?.(req) ?? false);
        } catch (e) {
          return cb(`${toAppError(e).code}: ${(e as Error).message}`, false);
        }
        cb(null, ok);
      },
    });
    if (opts.maxPerAddress) capSessionsPerAddress(this.io, opts.maxPerAddress);
    this.io.on('connection', (socket) => this.#onConnection(socket));
    this.#statsTimer = setInterval(() => this.#pushStats(), opts.statsIntervalMs ?? 2000);
    this.#statsTimer.unref();
  }

  #onConnection(socket: Socket): void {
    // Admitted only as a page the camera runs in: that page may open a camera session, nothing else.
    (socket.data as { cameraOnly?: boolean }).cameraOnly = !(
      this.#opts.allowRequest?.(socket.request) ?? true
    );
    const limiter = new RateLimiter(RATE_LIMIT_BURST, RATE_LIMIT_PER_SEC);
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: Ack) => void) : undefined;
      const fail = (e: AppError) => {
        const body = { ...e.toJSON(), ...retryAfter(e), ...redirectOf(e) };
        if (ack) ack({ ok: false, error: body });
        else socket.emit(SERVER_EVENTS.serverError, { ...body, event });
      };
      if (!limiter.take()) return fail(new AppError('RATE_LIMITED', 'too many messages; slow down'));
      if (!Object.hasOwn(REQUEST_SCHEMAS, event))
        return fail(new AppError('UNKNOWN_EVENT', `unknown event "${event}"`));
      const payload = args[0];
      let size = 0;
      try {
        size = payload === undefined ? 0 : JSON.stringify(payload).length;
      } catch {
        return fail(new AppError('BAD_REQUEST', 'payload is not JSON'));
      }
      if (size > MAX_PAYLOAD_BYTES) {
        return fail(
          new AppError('PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds ${MAX_PAYLOAD_BYTES}`),
        );
      }
      this.#dispatch(socket, event as RequestEvent, payload).then(
        (body) => ack?.({ ok: true, ...body }),
        (e) => fail(toAppError(e)),
      );
    });
    socket.on('disconnect', () => this.#leave(socket, 'disconnected'));
  }

  async #dispatch<E extends RequestEvent>(socket: Socket, event: E, payload: unknown): Promise<object> {
    const parsed = REQUEST_SCHEMAS[event].safeParse(payload);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first?.path.length ? `${first.path.join('.')}: ` : '';
      throw new AppError('BAD_REQUEST', `${event}: ${where}${first?.message ?? 'invalid payload'}`);
    }
    const handler = this.#handlers[event] as (
      s: Socket,
      d: unknown,
      j: Joined | null,
    ) => Promise<object> | object;
    return handler(socket, parsed.data, this.#joined(socket));
  }

  #joined(socket: Socket): Joined | null {
    const j = this.#bySocket.get(socket.id);
    if (j && !j.room.has(j.member)) {
      this.#bySocket.delete(socket.id);
      return null;
    }
    return j ?? null;
  }

  #handlers: Handlers = {
    join: async (socket, req, joined) => {
      if (this.#closed) throw new AppError('CLOSED', 'server is shutting down');
      if (joined) throw new AppError('ALREADY_JOINED', 'this connection is already in a room');
      if (req.agent && req.view) throw new AppError('BAD_REQUEST', 'join: an agent is not a viewer');
      if ((socket.data as { cameraOnly?: boolean }).cameraOnly)
        throw new AppError('FORBIDDEN', 'this page may only open a camera session (CAMERA_ORIGINS)');
      if (this.cameras.isPrivate(req.room) && !req.agent)
        throw new AppError('FORBIDDEN', 'that room is a private camera session');
      const placement = this.#opts.placement;
      // Agents join rooms that live here already; only a user's join may place one.
      if (placement && !req.agent && !this.#rooms.has(req.room)) {
        const owner = await placement.claim(req.room).catch((e: unknown) => {
          log.error(`room directory: cannot place ${req.room}`, e);
          throw new AppError('BUSY', 'cannot place the room now; try again');
        });
        if (owner !== null)
          throw new AppError('ROOM_ELSEWHERE', `room ${req.room} is on ${owner}`, { redirect: owner });
        // The claim took a moment: the server or this connection may have moved on meanwhile.
        const late = this.#closed ? 'CLOSED' : this.#bySocket.has(socket.id) ? 'ALREADY_JOINED' : null;
        if (late) {
          if (!this.#rooms.has(req.room)) placement.release(req.room);
          throw new AppError(late, late === 'CLOSED' ? 'server is shutting down' : 'already in a room');
        }
      }
      let room = this.#rooms.get(req.room);
      let agent: ReturnType<AgentSupervisor['get']>;
      if (req.agent) {
        agent = room ? this.agents.get(room.name, req.agent.forParticipantId) : undefined;
        if (!room || !agent?.accepts(req.agent.token))
          throw new AppError('FORBIDDEN', 'invalid agent credentials');
      } else if (room?.passcode !== undefined) {
        const address = socket.handshake.address;
        this.#passcodes.check(address, room.passcodeBackoff);
        if (req.passcode !== room.passcode) {
          this.#passcodes.failed(address, room.passcodeBackoff);
          throw new AppError('FORBIDDEN', 'wrong or missing room passcode');
        }
      }
      if (!room) room = this.#createRoom(req.room, req.passcode);
      let member: Member;
      try {
        member = room.join(socket, req.displayName, agent, req.view?.participant);
      } catch (e) {
        if (room.users().length === 0 && room.viewers().length === 0) room.close();
        throw e;
      }
      this.#bySocket.set(socket.id, { room, member });
      const r = room;
      // Browsers' RTCConfiguration (TURN credentials, relay policy); agents stay on loopback host candidates.
      const ice = agent ? {} : iceConfigFor(member.id);
      return {
        participantId: member.id,
        room: room.name,
        participants: room.visibleTo(member).map((m) => r.info(m)),
        ...ice,
      };
    },
    leave: (socket, _d, joined) => {
      needJoined(joined, 'leave');
      this.#leave(socket, 'left');
      return {};
    },
    'publish:offer': async (_s, { offer }, joined) => {
      const { member } = needJoined(joined, 'publish:offer');
      if (member.role === 'viewer') throw new AppError('FORBIDDEN', 'a viewer publishes nothing');
      checkPublishOffer(offer.sdp);
      return { answer: await member.peer.publish(offer) };
    },
    ice: async (_s, d, joined) => {
      const { member } = needJoined(joined, 'ice');
      if (member.role === 'viewer' && d.target === 'publish')
        throw new AppError('FORBIDDEN', 'a viewer publishes nothing');
      await member.peer.addIceCandidate(d.target, d.candidate);
      return {};
    },
    subscribe: (_s, d, joined) => {
      const { room, member } = needJoined(joined, 'subscribe');
      return { subscriptions: room.subscribe(member, d.participantIds) };
    },
    unsubscribe: (_s, d, joined) => {
      const { room, member } = needJoined(joined, 'unsubscribe');
      return { subscriptions: room.unsubscribe(member, d.participantIds) };
    },
    'subscribe:renegotiate': (_s, _d, joined) => {
      needJoined(joined, 'subscribe:renegotiate').member.peer.renegotiate();
      return {};
    },
    settings: async (socket, s, joined) => {
      const { room, member } = needJoined(joined, 'settings');
      if (member.role !== 'user') throw new AppError('FORBIDDEN', 'agents have no settings');
      if (s.identityId && s.identityId !== member.identityId) {
        // Only the owner may wear an identity; unknown and foreign ids answer alike (ids do not leak).
        const allowed = (await this.#opts.canUseIdentity?.(ownerOf(socket), s.identityId)) ?? false;
        if (!allowed) throw new AppError('IDENTITY_NOT_FOUND', 'no such identity among yours');
      }
      if (room.closed || this.#bySocket.get(socket.id)?.member !== member)
        throw new AppError('NOT_JOINED', 'left the room');
      return { settings: room.applySettings(member, s) };
    },
    'agent:report': (_s, status, joined) => {
      const { room, member } = needJoined(joined, 'agent:report');
      room.agentReport(member, status);
      return {};
    },
    'agent:sketch': (_s, sketch, joined) => {
      const { room, member } = needJoined(joined, 'agent:sketch');
      room.agentSketch(member, sketch);
      return {};
    },
    'camera:open': (socket, req, joined) => {
      if (this.#closed) throw new AppError('CLOSED', 'server is shutting down');
      if (joined) throw new AppError('ALREADY_JOINED', 'this connection is already in a room');
      const { room: name, owner } = this.cameras.redeem(req.ticket, req.role);
      (socket.data as { owner?: string }).owner = owner;
      const room = this.#rooms.get(name) ?? this.#createRoom(name, undefined);
      const { member, result } = joinCameraSession(room, socket, req.role);
      this.#bySocket.set(socket.id, { room, member });
      return result;
    },
  };

  #createRoom(name: string, passcode: string | undefined): CallRoom {
    // Camera sessions are this node's alone (never placed in the room directory).
    const placement = this.cameras.isPrivate(name) ? undefined : this.#opts.placement;
    const room: CallRoom = new CallRoom(name, passcode, {
      sfuRoom: this.#opts.sfu.createRoom(name),
      agents: this.agents,
      askAnswer: (s, offer) => askAnswer(s, offer),
      onClosed: (r) => {
        this.cameras.roomClosed(r.name);
        if (this.#rooms.get(r.name) !== r) return;
        this.#rooms.delete(r.name);
        placement?.release(r.name);
      },
    });
    this.#rooms.set(name, room);
    return room;
  }

  #leave(socket: Socket, reason: 'left' | 'disconnected'): void {
    const entry = this.#bySocket.get(socket.id);
    if (!entry) return;
    this.#bySocket.delete(socket.id);
    entry.room.remove(entry.member, reason);
  }

  #pushStats(): void {
    for (const room of this.#rooms.values()) room.broadcast(SERVER_EVENTS.stats, room.statsPush());
  }

  stats(): ServerStats {
    const rooms = [...this.#rooms.values()].map((r) => ({
      name: r.name,
      participants: r.users().map((m) => r.info(m)),
      viewers: r.viewers().map((m) => r.info(m)),
      agents: r.agentStatuses(),
      peers: r.sfuRoom.peers().length,
    }));
    return {
      rooms,
      peers: rooms.reduce((n, r) => n + r.peers, 0),
      agents: rooms.flatMap((r) => r.agents),
      agentCapacity: this.agents.capacity(),
    };
  }

  /** Tells every client the server is restarting, then closes rooms, agents and sockets (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statsTimer);
    const notice: ServerShutdownPush = {
      reason: 'restarting',
      message: 'server restarting; reconnecting soon',
    };
    this.io.emit(SERVER_EVENTS.serverShutdown, notice);
    log.info(`shutting down: told ${this.io.engine.clientsCount} clients`);
    await new Promise((r) => setTimeout(r, SHUTDOWN_NOTICE_MS));
    for (const room of [...this.#rooms.values()]) room.close();
    this.agents.close();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}

function redirectOf(e: AppError): { redirect?: string } {
  const url = e.details?.redirect;
  return typeof url === 'string' ? { redirect: url } : {};
}

function retryAfter(e: AppError): { retryAfterMs?: number } {
  const ms = e.details?.retryAfterMs;
  return typeof ms === 'number' ? { retryAfterMs: Math.ceil(ms) } : {};
}

async function askAnswer(socket: Socket, offer: SubscribeOffer): Promise<Sdp> {
  const res = (await socket
    .timeout(OFFER_ACK_TIMEOUT_MS)
    .emitWithAck(SERVER_EVENTS.subscribeOffer, offer)) as Ack<{ answer: unknown }>;
  if (!res?.ok) throw new AppError('NEGOTIATION_FAILED', res?.ok === false ? res.error.message : 'no answer');
  const answer = SdpSchema.safeParse(res.answer);
  if (!answer.success) throw new AppError('BAD_REQUEST', 'subscribe:offer ack: invalid answer');
  checkSubscribeAnswer(answer.data.sdp, offer.offer.sdp);
  return answer.data;
}
