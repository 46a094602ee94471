// The socket.io connection with promise-shaped requests over the protocol's acks (src/signaling/protocol.ts).
import { io, type Socket } from 'socket.io-client';
import type { Ack, ErrorBody } from '../../src/signaling/protocol.ts';

export class RequestError extends Error {
  readonly code: string;
  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
  }
}

export class Signaling {
  readonly socket: Socket;

  constructor() {
    this.socket = io({ transports: ['websocket'], reconnection: false });
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
