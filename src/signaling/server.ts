// socket.io signaling: validates every request against protocol.ts, answers with coded acks, keeps the rooms'
// participants and settings, drives the SFU (publish/subscribe/routes) and starts/stops inference agents.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { Server as IoServer, type Socket } from 'socket.io';
import type { Sfu, SfuPeer, SfuRoom } from '../media/types.ts';
import { AppError, toAppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import type { AgentHandle, AgentLauncher } from './agents.ts';
import {
  type Ack,
  AGENT_REPORT_EVENT,
  AGENT_SKETCH_EVENT,
  type AgentSketch,
  type AgentStatus,
  CLIENT_EVENTS,
  type JoinRequest,
  MAX_PAYLOAD_BYTES,
  type Mode,
  type Participant,
  RATE_LIMIT_BURST,
  RATE_LIMIT_PER_SEC,
  REQUEST_SCHEMAS,
  type RequestEvent,
  SdpSchema,
  SERVER_EVENTS,
  type Settings,
  type StatsPush,
  type SubscribeOffer,
} from './protocol.ts';
import { RateLimiter } from './rate-limit.ts';
import { iceConfigFor } from './turn-credentials.ts';

const log = createLogger('signaling:server');
const OFFER_ACK_TIMEOUT_MS = 10_000;

interface Member {
  id: string;
  displayName: string;
  socket: Socket;
  peer: SfuPeer;
  role: 'user' | 'agent';
  forParticipantId?: string;
  mode: Mode;
  identityId: string | null;
  /** The user asked for the agent's debug sketch (`agent:sketch`, to this user only). */
  debugSketch: boolean;
  /** Subscribed to everyone (the default): new participants are added automatically. */
  subscribeAll: boolean;
}

interface AgentRecord {
  forId: string;
  token: string;
  handle: AgentHandle | null;
  memberId: string | null;
  status: AgentStatus;
}

interface CallRoom {
  name: string;
  passcode?: string;
  sfuRoom: SfuRoom;
  members: Map<string, Member>;
  agents: Map<string, AgentRecord>;
}

export interface SignalingOptions {
  sfu: Sfu;
  /** Starts inference agents; without one, turning a mode on answers AGENT_UNAVAILABLE. */
  launcher?: AgentLauncher;
  /** This server's own URL, for agents to connect back (known after listen). */
  serverUrl: () => string;
  statsIntervalMs?: number;
}

export interface ServerStats {
  rooms: Array<{ name: string; participants: Participant[]; agents: AgentStatus[]; peers: number }>;
  peers: number;
  agents: AgentStatus[];
}

function ackOk<T extends object>(ack: ((r: Ack<T>) => void) | undefined, body: T): void {
  ack?.({ ok: true, ...body });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SignalingServer {
  readonly io: IoServer;
  #opts: SignalingOptions;
  #rooms = new Map<string, CallRoom>();
  /** socket id -> (room, member id) */
  #bySocket = new Map<string, { room: CallRoom; member: Member }>();
  #statsTimer: NodeJS.Timeout;
  #closed = false;

  constructor(http: HttpServer, opts: SignalingOptions) {
    this.#opts = opts;
    this.io = new IoServer(http, {
      maxHttpBufferSize: MAX_PAYLOAD_BYTES * 4,
      serveClient: true, // /socket.io/socket.io.min.js for the static client
      cors: { origin: false },
    });
    this.io.on('connection', (socket) => this.#onConnection(socket));
    this.#statsTimer = setInterval(() => this.#pushStats(), opts.statsIntervalMs ?? 2000);
    this.#statsTimer.unref();
  }

  #onConnection(socket: Socket): void {
    const limiter = new RateLimiter(RATE_LIMIT_BURST, RATE_LIMIT_PER_SEC);
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: Ack) => void) : undefined;
      const fail = (e: AppError) => {
        if (ack) ack({ ok: false, error: e.toJSON() });
        else socket.emit(SERVER_EVENTS.serverError, { ...e.toJSON(), event });
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
      const schema = REQUEST_SCHEMAS[event as RequestEvent];
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first?.path.length ? `${first.path.join('.')}: ` : '';
        return fail(new AppError('BAD_REQUEST', `${event}: ${where}${first?.message ?? 'invalid payload'}`));
      }
      this.#handle(socket, event as RequestEvent, parsed.data, ack).catch((e) => fail(toAppError(e)));
    });
    socket.on('disconnect', () => this.#leave(socket, 'disconnected'));
  }

  async #handle(socket: Socket, event: RequestEvent, data: unknown, ack?: (r: Ack) => void): Promise<void> {
    if (event === CLIENT_EVENTS.join) return this.#join(socket, data as JoinRequest, ack);
    const entry = this.#bySocket.get(socket.id);
    if (!entry) throw new AppError('NOT_JOINED', `join a room before "${event}"`);
    const { room, member } = entry;
    switch (event) {
      case CLIENT_EVENTS.leave:
        this.#leave(socket, 'left');
        return ackOk(ack, {});
      case CLIENT_EVENTS.publishOffer: {
        const { offer } = data as { offer: { type: 'offer' | 'answer'; sdp: string } };
        const answer = await member.peer.publish(offer);
        return ackOk(ack, { answer });
      }
      case CLIENT_EVENTS.ice: {
        const d = data as { target: 'publish' | 'subscribe'; candidate: { candidate: string } | null };
        await member.peer.addIceCandidate(d.target, d.candidate);
        return ackOk(ack, {});
      }
      case CLIENT_EVENTS.subscribe: {
        const { participantIds } = data as { participantIds: 'all' | string[] };
        if (participantIds === 'all') {
          member.subscribeAll = true;
          for (const other of this.#users(room)) if (other.id !== member.id) member.peer.subscribe(other.id);
        } else {
          for (const id of participantIds) if (id !== member.id) member.peer.subscribe(id);
        }
        return ackOk(ack, { subscriptions: member.peer.subscriptions() });
      }
      case CLIENT_EVENTS.unsubscribe: {
        const { participantIds } = data as { participantIds: string[] };
        member.subscribeAll = false;
        for (const id of participantIds) member.peer.unsubscribe(id);
        return ackOk(ack, { subscriptions: member.peer.subscriptions() });
      }
      case CLIENT_EVENTS.renegotiate:
        member.peer.renegotiate();
        return ackOk(ack, {});
      case CLIENT_EVENTS.settings: {
        if (member.role !== 'user') throw new AppError('FORBIDDEN', 'agents have no settings');
        const s = data as Settings;
        member.mode = s.mode;
        if (s.identityId !== undefined) member.identityId = s.identityId;
        if (s.debugSketch !== undefined) member.debugSketch = s.debugSketch;
        this.#applyMode(room, member);
        this.#broadcast(room, SERVER_EVENTS.participantUpdated, { participant: this.#info(room, member) });
        return ackOk(ack, { settings: this.#settingsOf(member) });
      }
      case AGENT_REPORT_EVENT: {
        if (member.role !== 'agent' || !member.forParticipantId)
          throw new AppError('FORBIDDEN', 'agents only');
        const rec = room.agents.get(member.forParticipantId);
        if (!rec || rec.memberId !== member.id) throw new AppError('FORBIDDEN', 'not the current agent');
        rec.status = { ...(data as AgentStatus), participantId: member.forParticipantId };
        // Lip sync: the user's audio waits as long as the video takes through the agent.
        room.sfuRoom.setAudioDelay(member.forParticipantId, rec.status.audioDelayMs ?? 0);
        this.#broadcast(room, SERVER_EVENTS.agentStatus, rec.status);
        return ackOk(ack, {});
      }
      case AGENT_SKETCH_EVENT: {
        if (member.role !== 'agent' || !member.forParticipantId)
          throw new AppError('FORBIDDEN', 'agents only');
        const rec = room.agents.get(member.forParticipantId);
        if (!rec || rec.memberId !== member.id) throw new AppError('FORBIDDEN', 'not the current agent');
        const user = room.members.get(member.forParticipantId);
        // Only the user the agent serves sees its sketch, and only while asking for it.
        if (user?.debugSketch) {
          user.socket.emit(SERVER_EVENTS.agentSketch, {
            ...(data as AgentSketch),
            participantId: member.forParticipantId,
          });
        }
        return ackOk(ack, {});
      }
      default:
        throw new AppError('UNKNOWN_EVENT', `unknown event "${event}"`);
    }
  }

  async #join(socket: Socket, req: JoinRequest, ack?: (r: Ack) => void): Promise<void> {
    if (this.#closed) throw new AppError('CLOSED', 'server is shutting down');
    if (this.#bySocket.has(socket.id))
      throw new AppError('ALREADY_JOINED', 'this connection is already in a room');
    let room = this.#rooms.get(req.room);
    let agentRec: AgentRecord | undefined;
    if (req.agent) {
      agentRec = room?.agents.get(req.agent.forParticipantId);
      if (!room || !agentRec || !sameSecret(agentRec.token, req.agent.token) || agentRec.memberId) {
        throw new AppError('FORBIDDEN', 'invalid agent credentials');
      }
    } else if (room?.passcode !== undefined && req.passcode !== room.passcode) {
      throw new AppError('FORBIDDEN', 'wrong or missing room passcode');
    }
    if (!room) {
      room = {
        name: req.room,
        passcode: req.passcode,
        sfuRoom: this.#opts.sfu.createRoom(req.room),
        members: new Map(),
        agents: new Map(),
      };
      this.#watchRoom(room);
      this.#rooms.set(req.room, room);
    }
    const id = agentRec ? `agent-${randomUUID().slice(0, 8)}` : randomUUID().slice(0, 12);
    // Browsers' RTCConfiguration (TURN credentials, relay policy); agents stay on loopback host candidates.
    const ice = agentRec ? {} : iceConfigFor(id);
    const peer = room.sfuRoom.createPeer(id);
    const member: Member = {
      id,
      displayName: req.displayName,
      socket,
      peer,
      role: agentRec ? 'agent' : 'user',
      forParticipantId: agentRec?.forId,
      mode: 'none',
      identityId: null,
      debugSketch: false,
      subscribeAll: !agentRec,
    };
    room.members.set(id, member);
    this.#bySocket.set(socket.id, { room, member });
    peer.setSubscribeOfferHandler((offer) => this.#askAnswer(socket, offer));
    const r = room;
    peer.on('produce', () => {
      if (member.role === 'agent' && member.forParticipantId) {
        // Processed output is flowing: route the participant's subscribers to it (switch at its keyframe).
        if (r.members.get(member.forParticipantId)?.mode !== 'none')
          r.sfuRoom.setRoute(member.forParticipantId, id);
        if (member.role === 'agent') this.#sendAgentSettings(r, member.forParticipantId);
      } else {
        this.#broadcast(
          r,
          SERVER_EVENTS.participantUpdated,
          { participant: this.#info(r, member) },
          member.id,
        );
      }
    });
    if (agentRec) {
      agentRec.memberId = id;
      peer.subscribe(agentRec.forId, { raw: true });
      this.#sendAgentSettings(room, agentRec.forId);
    } else {
      for (const other of this.#users(room)) {
        if (other.id === id) continue;
        peer.subscribe(other.id);
        if (other.subscribeAll) other.peer.subscribe(id);
      }
      this.#broadcast(room, SERVER_EVENTS.participantJoined, { participant: this.#info(room, member) }, id);
    }
    log.info(`${member.role} ${id} (${req.displayName}) joined ${room.name}`);
    ackOk(ack, {
      participantId: id,
      room: room.name,
      participants: this.#users(room).map((m) => this.#info(r, m)),
      ...ice,
    });
  }

  #watchRoom(room: CallRoom): void {
    room.sfuRoom.on('sourcechange', (pid) => {
      const m = room.members.get(pid);
      if (m) this.#broadcast(room, SERVER_EVENTS.participantUpdated, { participant: this.#info(room, m) });
    });
  }

  async #askAnswer(socket: Socket, offer: SubscribeOffer) {
    const res = (await socket
      .timeout(OFFER_ACK_TIMEOUT_MS)
      .emitWithAck(SERVER_EVENTS.subscribeOffer, offer)) as Ack<{
      answer: unknown;
    }>;
    if (!res?.ok)
      throw new AppError('NEGOTIATION_FAILED', res?.ok === false ? res.error.message : 'no answer');
    const answer = SdpSchema.safeParse(res.answer);
    if (!answer.success) throw new AppError('BAD_REQUEST', 'subscribe:offer ack: invalid answer');
    return answer.data;
  }

  #users(room: CallRoom): Member[] {
    return [...room.members.values()].filter((m) => m.role === 'user');
  }

  #info(room: CallRoom, m: Member): Participant {
    return {
      id: m.id,
      displayName: m.displayName,
      publishing: m.peer.closed ? { audio: false, video: false } : m.peer.publishing(),
      mode: m.mode,
      identityId: m.identityId,
      video: room.sfuRoom.closed || room.sfuRoom.currentSource(m.id) === m.id ? 'raw' : 'processed',
    };
  }

  #broadcast(room: CallRoom, event: string, payload: unknown, exceptId?: string): void {
    for (const m of room.members.values()) {
      if (m.id !== exceptId && m.role === 'user') m.socket.emit(event, payload);
    }
  }

  // ---------- agents ----------

  #applyMode(room: CallRoom, user: Member): void {
    const rec = room.agents.get(user.id);
    if (user.mode === 'none') {
      if (rec) this.#stopAgent(room, rec);
      return;
    }
    if (rec) {
      this.#sendAgentSettings(room, user.id);
      return;
    }
    const launcher = this.#opts.launcher;
    if (!launcher) {
      user.mode = 'none';
      throw new AppError('AGENT_UNAVAILABLE', 'this server runs no inference agents');
    }
    const record: AgentRecord = {
      forId: user.id,
      token: randomBytes(24).toString('hex'),
      handle: null,
      memberId: null,
      status: { participantId: user.id, state: 'busy', fps: 0, drops: 0, ms: 0, message: 'starting' },
    };
    room.agents.set(user.id, record);
    record.handle = launcher.launch({
      serverUrl: this.#opts.serverUrl(),
      room: room.name,
      passcode: room.passcode,
      forParticipantId: user.id,
      token: record.token,
      settings: this.#settingsOf(user),
    });
    record.handle.on('exit', (code, signal) => this.#onAgentExit(room, record, code, signal));
    this.#broadcast(room, SERVER_EVENTS.agentStatus, record.status);
  }

  #sendAgentSettings(room: CallRoom, forId: string): void {
    const rec = room.agents.get(forId);
    const user = room.members.get(forId);
    if (!rec?.memberId || !user) return;
    room.members.get(rec.memberId)?.socket.emit(SERVER_EVENTS.agentSettings, this.#settingsOf(user));
  }

  #settingsOf(m: Member): Required<Settings> {
    return { mode: m.mode, identityId: m.identityId, debugSketch: m.debugSketch };
  }

  #stopAgent(room: CallRoom, rec: AgentRecord): void {
    if (room.agents.get(rec.forId) === rec) room.agents.delete(rec.forId);
    if (!room.sfuRoom.closed) room.sfuRoom.setRoute(rec.forId, null);
    const agentMember = rec.memberId ? room.members.get(rec.memberId) : undefined;
    if (agentMember) this.#removeMember(room, agentMember, 'left');
    rec.handle?.close();
  }

  #onAgentExit(room: CallRoom, rec: AgentRecord, code: number | null, signal: string | null): void {
    if (room.agents.get(rec.forId) !== rec) return; // stopped on purpose
    log.warn(`agent for ${rec.forId} exited unexpectedly`, { code, signal });
    this.#stopAgent(room, rec);
    const status: AgentStatus = {
      participantId: rec.forId,
      state: 'error',
      fps: 0,
      drops: rec.status.drops,
      ms: 0,
      message: `agent exited (${signal ?? code}); sending the plain camera`,
    };
    this.#broadcast(room, SERVER_EVENTS.agentStatus, status);
    room.members.get(rec.forId)?.socket.emit(SERVER_EVENTS.serverError, {
      code: 'AGENT_UNAVAILABLE',
      message: status.message,
      participantId: rec.forId,
    });
    const user = room.members.get(rec.forId);
    if (user)
      this.#broadcast(room, SERVER_EVENTS.participantUpdated, { participant: this.#info(room, user) });
  }

  // ---------- leaving ----------

  #leave(socket: Socket, reason: 'left' | 'disconnected'): void {
    const entry = this.#bySocket.get(socket.id);
    if (!entry) return;
    this.#removeMember(entry.room, entry.member, reason);
  }

  #removeMember(room: CallRoom, member: Member, reason: 'left' | 'disconnected' | 'kicked'): void {
    if (room.members.get(member.id) !== member) return;
    room.members.delete(member.id);
    this.#bySocket.delete(member.socket.id);
    member.peer.close();
    if (member.role === 'agent') {
      if (member.socket.connected) member.socket.disconnect(true);
      const rec = member.forParticipantId ? room.agents.get(member.forParticipantId) : undefined;
      if (rec?.memberId === member.id) rec.memberId = null;
    } else {
      const rec = room.agents.get(member.id);
      if (rec) this.#stopAgent(room, rec);
      for (const other of room.members.values()) other.peer.unsubscribe(member.id);
      this.#broadcast(room, SERVER_EVENTS.participantLeft, { participantId: member.id, reason });
      log.info(`${member.id} ${reason} ${room.name}`);
    }
    if (this.#users(room).length === 0) this.#closeRoom(room);
  }

  #closeRoom(room: CallRoom): void {
    if (this.#rooms.get(room.name) !== room) return;
    this.#rooms.delete(room.name);
    for (const rec of [...room.agents.values()]) this.#stopAgent(room, rec);
    for (const m of [...room.members.values()]) this.#removeMember(room, m, 'kicked');
    room.sfuRoom.close();
  }

  // ---------- stats ----------

  #pushStats(): void {
    for (const room of this.#rooms.values()) {
      const push: StatsPush = {
        room: room.name,
        participants: this.#users(room).length,
        agents: [...room.agents.values()].map((a) => a.status),
      };
      this.#broadcast(room, SERVER_EVENTS.stats, push);
    }
  }

  stats(): ServerStats {
    const rooms = [...this.#rooms.values()].map((r) => ({
      name: r.name,
      participants: this.#users(r).map((m) => this.#info(r, m)),
      agents: [...r.agents.values()].map((a) => a.status),
      peers: r.sfuRoom.peers().length,
    }));
    return {
      rooms,
      peers: rooms.reduce((n, r) => n + r.peers, 0),
      agents: rooms.flatMap((r) => r.agents),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statsTimer);
    for (const room of [...this.#rooms.values()]) this.#closeRoom(room);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}
