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

export interface SignalingOptions {
  /** The server, e.g. http://127.0.0.1:8080 (default: the page's own origin). */
  url?: string;
  /** Handshake auth (default: the owner token from localStorage). A camera session's page sends none: its
   * ticket names the owner. */
  auth?: Record<string, string>;
}

export class Signaling {
  readonly socket: Socket;

  constructor(opts: SignalingOptions = {}) {
    const owner = opts.auth ? null : localStorage.getItem(OWNER_KEY);
    const auth = opts.auth ?? (owner ? { owner } : {});
    const o = { transports: ['websocket'], reconnection: false, forceNew: true, auth };
    this.socket = opts.url ? io(opts.url, o) : io(o);
  }

  /** Resolves once connected; rejects with the connect error (server down, origin refused). */
  connected(timeoutMs = 10_000): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new RequestError({ code: 'TIMEOUT', message: 'no answer' })),
        timeoutMs,
      );
      this.socket.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
      this.socket.once('connect_error', (e) => {
        clearTimeout(t);
        reject(new RequestError({ code: 'UNREACHABLE', message: e.message }));
      });
    });
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
