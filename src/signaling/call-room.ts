// One call: its members (users, clean-feed viewers and the users' agents), their SFU peers and subscriptions,
// and their settings. It closes its children (members' peers, agents, the SFU room) when it closes; agents
// themselves belong to the server's AgentSupervisor (the cap is per server). Who receives what is decided here,
// by role: users receive everyone and are listed to everyone; a viewer is listed to everyone as one and
// receives the one participant it shows, and hears of no one else; an agent receives the user it serves.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { SfuPeer, SfuRoom } from '../media/types.ts';
import { BackoffRecord } from '../util/backoff.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import type { AgentSupervisor } from './agent-supervisor.ts';
import {
  type AgentSketch,
  type AgentStatus,
  type Mode,
  type Participant,
  type Sdp,
  SERVER_EVENTS,
  type Settings,
  type StatsPush,
  type SubscribeOffer,
} from './protocol.ts';
import type { AgentSubject, SupervisedAgent } from './supervised-agent.ts';
import { videoState } from './video-route.ts';

const log = createLogger('signaling:room');

export interface Member {
  readonly id: string;
  readonly displayName: string;
  readonly socket: Socket;
  readonly peer: SfuPeer;
  readonly role: 'user' | 'agent' | 'viewer';
  /** Agents: the participant served. */
  readonly forParticipantId?: string;
  /** Viewers: who was asked for (id or display name) and who is shown (null while absent). */
  readonly view?: { want: string; target: string | null };
  mode: Mode;
  identityId: string | null;
  /** The user asked for the agent's debug sketch (`agent:sketch`, to this user only). */
  debugSketch: boolean;
  /** Subscribed to everyone (the default): new participants are added automatically. */
  subscribeAll: boolean;
}

export type LeaveReason = 'left' | 'disconnected' | 'kicked';

/** What every member sees as a viewer's name (a client cannot choose what a listener is called). */
export const VIEWER_NAME = 'clean feed';

export interface CallRoomDeps {
  sfuRoom: SfuRoom;
  agents: AgentSupervisor;
  /** Asks a member's client to answer a subscribe offer. */
  askAnswer: (socket: Socket, offer: SubscribeOffer) => Promise<Sdp>;
  /** The room emptied and closed itself. */
  onClosed: (room: CallRoom) => void;
}

export class CallRoom {
  readonly name: string;
  readonly passcode?: string;
  readonly sfuRoom: SfuRoom;
  /** Wrong passcodes against this room, from anywhere: kept for the room's life (no flood elsewhere resets it). */
  readonly passcodeBackoff = new BackoffRecord();
  #deps: CallRoomDeps;
  #members = new Map<string, Member>();
  #closed = false;

  constructor(name: string, passcode: string | undefined, deps: CallRoomDeps) {
    this.name = name;
    this.passcode = passcode;
    this.sfuRoom = deps.sfuRoom;
    this.#deps = deps;
    this.sfuRoom.on('sourcechange', (pid) => this.#announce(pid));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a user, a viewer of `view` (an id or a display name), or the agent `agent` launched (its credentials
   * already checked). */
  join(socket: Socket, displayName: string, agent?: SupervisedAgent, view?: string): Member {
    if (this.#closed) throw new AppError('CLOSED', `room ${this.name} is closed`);
    const role = agent ? 'agent' : view !== undefined ? 'viewer' : 'user';
    const id = agent ? `agent-${randomUUID().slice(0, 8)}` : randomUUID().slice(0, 12);
    // SFU AppErrors (ROOM_FULL, ...) reach the ack as they are; agents do not count against the room's cap,
    // viewers do (each costs a subscriber).
    const peer = this.sfuRoom.createPeer(id, { role: agent ? 'agent' : 'user' });
    const member: Member = {
      id,
      displayName: role === 'viewer' ? VIEWER_NAME : displayName,
      socket,
      peer,
      role,
      forParticipantId: agent?.participantId,
      view: view !== undefined ? { want: view, target: null } : undefined,
      mode: 'none',
      identityId: null,
      debugSketch: false,
      subscribeAll: role === 'user',
    };
    this.#members.set(id, member);
    // The SFU closes a peer whose transport broke: the member goes too (a lingering one would be subscribed
    // to by every later joiner, which the SFU refuses), and its user learns it has to join again.
    peer.on('close', () => {
      if (this.#members.get(id) !== member) return;
      if (member.role !== 'agent') {
        socket.emit(SERVER_EVENTS.serverError, {
          code: 'NEGOTIATION_FAILED',
          message: 'the media connection closed; join again',
          participantId: id,
        });
      }
      this.remove(member, 'disconnected');
    });
    peer.setSubscribeOfferHandler((offer) => this.#deps.askAnswer(socket, offer));
    if (agent) {
      agent.attach(peer);
      peer.on('produce', () => this.#sendAgentSettings(agent.participantId));
      peer.subscribe(agent.participantId, { raw: true });
      this.#sendAgentSettings(agent.participantId);
    } else if (role === 'viewer') {
      const want = view as string;
      const target =
        this.users().find((u) => u.id === want) ?? this.users().find((u) => u.displayName === want);
      if (target) this.#show(member, target, false);
      this.broadcast(SERVER_EVENTS.participantJoined, { participant: this.info(member) }, id);
    } else {
      peer.on('produce', () => this.#announce(id, id));
      for (const other of this.users()) {
        if (other.id === id) continue;
        peer.subscribe(other.id);
        if (other.subscribeAll) other.peer.subscribe(id);
      }
      this.broadcast(SERVER_EVENTS.participantJoined, { participant: this.info(member) }, id);
      for (const v of this.viewers()) {
        if (v.view?.target === null && (v.view.want === id || v.view.want === displayName))
          this.#show(v, member);
      }
    }
    log.info(`${member.role} ${id} (${displayName}) joined ${this.name}`);
    return member;
  }

  has(member: Member): boolean {
    return this.#members.get(member.id) === member;
  }

  users(): Member[] {
    return [...this.#members.values()].filter((m) => m.role === 'user');
  }

  viewers(): Member[] {
    return [...this.#members.values()].filter((m) => m.role === 'viewer');
  }

  /** Who `m` may know of: everyone who receives media (users and viewers) for a user; a viewer's one target. */
  visibleTo(m: Member): Member[] {
    if (m.role !== 'viewer') return [...this.users(), ...this.viewers()];
    const target = m.view?.target ? this.#members.get(m.view.target) : undefined;
    return target ? [target] : [];
  }

  /** What the room may know about a participant: never the identity id. */
  info(m: Member): Participant {
    return {
      id: m.id,
      displayName: m.displayName,
      role: m.role === 'viewer' ? 'viewer' : 'user',
      ...(m.view ? { viewing: m.view.target } : {}),
      publishing: m.peer.closed ? { audio: false, video: false } : m.peer.publishing(),
      mode: m.mode,
      video: videoState(this.sfuRoom, m.id),
    };
  }

  /** To every user (viewers hear only of their target: #toViewers). */
  broadcast(event: string, payload: unknown, exceptId?: string): void {
    for (const m of this.#members.values()) {
      if (m.id !== exceptId && m.role === 'user') m.socket.emit(event, payload);
    }
  }

  #toViewers(of: string, event: string, payload: unknown): void {
    for (const v of this.viewers()) if (v.view?.target === of) v.socket.emit(event, payload);
  }

  #announce(pid: string, exceptId?: string): void {
    const m = this.#members.get(pid);
    if (m?.role !== 'user' && m?.role !== 'viewer') return;
    const push = { participant: this.info(m) };
    this.broadcast(SERVER_EVENTS.participantUpdated, push, exceptId);
    this.#toViewers(pid, SERVER_EVENTS.participantUpdated, push);
  }

  /** Points viewer `v` at `target` and subscribes it; `tell`: push the target to it (not in its join ack). */
  #show(v: Member, target: Member, tell = true): void {
    if (!v.view) return;
    v.view.target = target.id;
    v.peer.subscribe(target.id);
    if (tell) {
      v.socket.emit(SERVER_EVENTS.participantJoined, { participant: this.info(target) });
      this.#announce(v.id);
    }
  }

  subscribe(member: Member, ids: 'all' | string[]): string[] {
    if (member.role === 'agent') throw new AppError('FORBIDDEN', 'agents receive only the user they serve');
    if (member.role === 'viewer') {
      const target = member.view?.target;
      if (ids === 'all' || ids.some((id) => id !== target))
        throw new AppError('FORBIDDEN', 'a viewer receives only the participant it shows');
    }
    if (ids === 'all') {
      member.subscribeAll = true;
      for (const other of this.users()) if (other.id !== member.id) member.peer.subscribe(other.id);
    } else {
      // All or nothing: an unknown id must not leave the ids before it subscribed.
      const unknown = ids.find((id) => id !== member.id && !this.#members.has(id));
      if (unknown !== undefined) throw new AppError('NOT_FOUND', `no participant ${unknown} in ${this.name}`);
      for (const id of ids) if (id !== member.id) member.peer.subscribe(id);
    }
    return member.peer.subscriptions();
  }

  unsubscribe(member: Member, ids: string[]): string[] {
    member.subscribeAll = false;
    for (const id of ids) member.peer.unsubscribe(id);
    return member.peer.subscriptions();
  }

  // ---------- settings and agents ----------

  /** Applies a user's settings (the identity already checked): starts, updates or stops the agent. */
  applySettings(member: Member, s: Settings): Required<Settings> {
    if (member.role !== 'user') throw new AppError('FORBIDDEN', 'agents have no settings');
    const before = { mode: member.mode, identityId: member.identityId, debugSketch: member.debugSketch };
    member.mode = s.mode;
    if (s.identityId !== undefined) member.identityId = s.identityId;
    if (s.debugSketch !== undefined) member.debugSketch = s.debugSketch;
    try {
      if (member.mode === 'none') this.#deps.agents.release(this.name, member.id);
      else this.#deps.agents.ensure(this.#subjectOf(member));
    } catch (e) {
      // Refused (AGENT_LIMIT, AGENT_UNAVAILABLE): the settings stay as they were.
      Object.assign(member, before);
      throw e;
    }
    this.#sendAgentSettings(member.id);
    this.#announce(member.id);
    return settingsOf(member);
  }

  #subjectOf(user: Member): AgentSubject {
    return {
      sfuRoom: this.sfuRoom,
      roomName: this.name,
      passcode: this.passcode,
      participantId: user.id,
      settings: () => settingsOf(user),
      onStatus: (status) => {
        this.broadcast(SERVER_EVENTS.agentStatus, status);
        this.#announce(user.id);
        if (
          status.state === 'fallback-held' ||
          status.state === 'fallback-camera' ||
          status.state === 'error'
        ) {
          user.socket.emit(SERVER_EVENTS.serverError, {
            code: 'AGENT_UNAVAILABLE',
            message: status.message ?? 'agent lost',
            participantId: user.id,
          });
        }
      },
      removeAgentPeer: (peerId) => {
        const m = this.#members.get(peerId);
        if (m) this.remove(m, 'kicked');
      },
    };
  }

  #sendAgentSettings(forId: string): void {
    const user = this.#members.get(forId);
    if (!user) return;
    for (const m of this.#members.values()) {
      if (
        m.role === 'agent' &&
        m.forParticipantId === forId &&
        this.#deps.agents.get(this.name, forId)?.isCurrentPeer(m.id)
      )
        m.socket.emit(SERVER_EVENTS.agentSettings, settingsOf(user));
    }
  }

  agentReport(member: Member, status: AgentStatus): void {
    const agent = this.#currentAgentOf(member);
    agent.report(member.id, status);
  }

  agentSketch(member: Member, sketch: AgentSketch): void {
    const agent = this.#currentAgentOf(member);
    const user = this.#members.get(agent.participantId);
    // Only the user the agent serves sees its sketch, and only while asking for it.
    if (user?.debugSketch) {
      user.socket.emit(SERVER_EVENTS.agentSketch, { ...sketch, participantId: agent.participantId });
    }
  }

  #currentAgentOf(member: Member): SupervisedAgent {
    if (member.role !== 'agent' || !member.forParticipantId) throw new AppError('FORBIDDEN', 'agents only');
    const agent = this.#deps.agents.get(this.name, member.forParticipantId);
    if (!agent?.isCurrentPeer(member.id)) throw new AppError('FORBIDDEN', 'not the current agent');
    return agent;
  }

  agentStatuses(): AgentStatus[] {
    return this.#deps.agents.statuses(this.name);
  }

  statsPush(): StatsPush {
    return { room: this.name, participants: this.users().length, agents: this.agentStatuses() };
  }

  // ---------- leaving ----------

  remove(member: Member, reason: LeaveReason): void {
    if (this.#members.get(member.id) !== member) return;
    this.#members.delete(member.id);
    if (member.role === 'agent') {
      member.peer.close();
      if (member.socket.connected) member.socket.disconnect(true);
    } else if (member.role === 'viewer') {
      member.peer.close();
      this.broadcast(SERVER_EVENTS.participantLeft, { participantId: member.id, reason });
      log.info(`viewer ${member.id} ${reason} ${this.name}`);
    } else {
      // The agent first: its route must not fall back to a peer that is closing.
      this.#deps.agents.release(this.name, member.id);
      member.peer.close();
      for (const other of this.#members.values()) other.peer.unsubscribe(member.id);
      const left = { participantId: member.id, reason };
      this.broadcast(SERVER_EVENTS.participantLeft, left);
      this.#toViewers(member.id, SERVER_EVENTS.participantLeft, left);
      for (const v of this.viewers()) {
        if (v.view?.target !== member.id) continue;
        v.view.target = null; // shown again if someone by the asked-for name joins
        this.#announce(v.id);
      }
      log.info(`${member.id} ${reason} ${this.name}`);
    }
    // Viewers keep a room open too (a clean feed waits for its participant).
    if (this.users().length === 0 && this.viewers().length === 0) this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const m of [...this.#members.values()]) {
      if (m.role === 'user') this.#deps.agents.release(this.name, m.id);
    }
    for (const m of [...this.#members.values()]) this.remove(m, 'kicked');
    this.sfuRoom.close();
    this.#deps.onClosed(this);
  }
}

export function settingsOf(m: Member): Required<Settings> {
  return { mode: m.mode, identityId: m.identityId, debugSketch: m.debugSketch };
}
