// The socket.io connection with promise-shaped requests over the protocol's acks (src/signaling/protocol.ts).
import { io, type Socket } from 'socket.io-client';
import type { Ack, ErrorBody } from '../../../src/signaling/protocol.ts';

/** The identity owner token identities.ts keeps in localStorage: the server lets only its holder wear them. */
const OWNER_KEY = 'gazecam.owner';

export class RequestError extends Error {
  readonly code: string;
  readonly retryAfterMs?: number;
  /** ROOM_ELSEWHERE: the node that holds the room. */
  readonly redirect?: string;
  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
    this.retryAfterMs = body.retryAfterMs;
    this.redirect = body.redirect;
  }
}

export class Signaling {
  readonly socket: Socket;

  constructor() {
    const owner = localStorage.getItem(OWNER_KEY);
    this.socket = io({ transports: ['websocket'], reconnection: false, auth: owner ? { owner } : {} });
  }

  request<T extends object>(event: string, payload?: unknown, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(timeoutMs).emit(event, payload ?? {}, (err: Error | null, res: Ack<T>) => {
        if (err) return reject(new RequestError({ code: 'TIMEOUT', message: `${event}: no answer` }));
        if (!res.ok) return reject(new RequestError(res.error));
        resolve(res);
      });
    });
  }

  on<T>(event: string, fn: (payload: T) => void): void {
    this.socket.on(event, fn as (...args: unknown[]) => void);
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}
