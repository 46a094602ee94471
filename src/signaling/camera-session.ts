// Camera sessions: a private room per ticket, for the browser extension's camera and `npm run vcam`. A user's
// camera is processed exactly as in a call (CallRoom, the agent supervisor, the SFU's fail-closed routes), so
// the session reuses that machinery with a room nobody can join: its name is random and reserved here, `join`
// refuses it, and only the ticket's holder can open its two members (the camera and the viewer that receives
// the processed video). The ticket names the identity owner who asked for it: the session wears that owner's
// identities without the owner token ever reaching the page the camera runs in.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io';
import { AppError } from '../util/errors.ts';
import type { CallRoom, Member } from './call-room.ts';
import type { CameraOpenResult } from './protocol.ts';
import { iceConfigFor } from './turn-credentials.ts';

export type CameraRole = 'camera' | 'viewer';

/** How long a ticket may wait for its first `camera:open`. */
export const TICKET_TTL_MS = 60_000;
/** Live or pending sessions per owner (each holds an agent while a mode is on). */
export const MAX_SESSIONS_PER_OWNER = 4;

interface Session {
  readonly ticket: string;
  readonly room: string;
  readonly owner: string;
  readonly issuedAt: number;
  readonly opened: Set<CameraRole>;
}

export interface Redeemed {
  room: string;
  owner: string;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export class CameraSessions {
  #byTicket = new Map<string, Session>();
  #byRoom = new Map<string, Session>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A ticket for a new private session of this owner; RATE_LIMITED past MAX_SESSIONS_PER_OWNER. */
  issue(owner: string): { ticket: string; expiresInS: number } {
    this.#prune();
    const mine = [...this.#byTicket.values()].filter((s) => s.owner === owner).length;
    if (mine >= MAX_SESSIONS_PER_OWNER) {
      throw new AppError('RATE_LIMITED', `at most ${MAX_SESSIONS_PER_OWNER} camera sessions at once`, {
        retryAfterS: Math.ceil(TICKET_TTL_MS / 1000),
      });
    }
    const session: Session = {
      ticket: token(24),
      // Passes RoomNameSchema (agents join it by name), and nobody can guess it.
      room: `cam-${token(18)}`,
      owner,
      issuedAt: this.#now(),
      opened: new Set(),
    };
    this.#byTicket.set(session.ticket, session);
    this.#byRoom.set(session.room, session);
    return { ticket: session.ticket, expiresInS: TICKET_TTL_MS / 1000 };
  }

  /** Opens one role of the ticket's session (each role once); FORBIDDEN for an unknown or expired ticket. */
  redeem(ticket: string, role: CameraRole): Redeemed {
    this.#prune();
    const s = this.#byTicket.get(ticket);
    if (!s) throw new AppError('FORBIDDEN', 'unknown or expired camera ticket');
    if (s.opened.has(role)) throw new AppError('ALREADY_JOINED', `this session's ${role} is already open`);
    s.opened.add(role);
    return { room: s.room, owner: s.owner };
  }

  /** A private room's name: `join` must refuse it (whether or not the room exists yet). */
  isPrivate(room: string): boolean {
    return this.#byRoom.has(room);
  }

  /** The session's room closed (both members left): the ticket is spent. */
  roomClosed(room: string): void {
    const s = this.#byRoom.get(room);
    if (!s) return;
    this.#byRoom.delete(room);
    this.#byTicket.delete(s.ticket);
  }

  /** Sessions issued or open (tests, stats). */
  get size(): number {
    return this.#byTicket.size;
  }

  /** Tickets never opened within TICKET_TTL_MS are forgotten (an opened session ends with its room). */
  #prune(): void {
    const now = this.#now();
    for (const s of [...this.#byTicket.values()]) {
      if (s.opened.size === 0 && now - s.issuedAt > TICKET_TTL_MS) {
        this.#byTicket.delete(s.ticket);
        this.#byRoom.delete(s.room);
      }
    }
  }
}

const CAMERA_NAME = 'camera';

/** Joins a camera session's member to its private room: the camera receives nothing, the viewer the camera. */
export function joinCameraSession(
  room: CallRoom,
  socket: Socket,
  role: CameraRole,
): { member: Member; result: CameraOpenResult } {
  let member: Member;
  try {
    member = room.join(socket, role === 'camera' ? CAMERA_NAME : 'feed:camera');
  } catch (e) {
    if (room.users().length === 0) room.close();
    throw e;
  }
  const camera = room.users().find((m) => m.displayName === CAMERA_NAME) ?? null;
  const others = room.users().filter((m) => m !== camera);
  if (camera)
    room.unsubscribe(
      camera,
      others.map((m) => m.id),
    );
  return {
    member,
    result: {
      participantId: member.id,
      room: room.name,
      participants: room.users().map((m) => room.info(m)),
      camera: camera?.id ?? null,
      ...iceConfigFor(member.id),
    },
  };
}
