// Caps on open connections, per client address (IPv6: per /64) and server-wide, so that no client can fill the
// descriptor table with idle or slow-header sockets (20,000 of them once silenced /healthz and socket.io). A
// connection over a cap is marked and given a short while to send its request, which is answered 503 BUSY with
// Retry-After and closed (socket.io's handshake gets a coded refusal); one that sends nothing is closed then.
// Over TLS the refusal is the connection closed at once: a handshake would cost more than the answer.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { AddressCounter } from '../util/address-counter.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';

const log = createLogger('server:connections');
/** How long a refused connection may take to send the request its refusal answers. */
const REFUSED_GRACE_MS = 2000;
const RETRY_AFTER_S = 5;

export interface ConnectionCapOptions {
  /** Connections the server holds open at once. */
  max: number;
  /** From one address (IPv6: one /64). */
  perAddress: number;
  /** Reverse proxies (TRUST_PROXY): not capped per address. */
  exempt?: string[];
  tls: boolean;
}

export class ConnectionCap {
  readonly counter: AddressCounter;
  refusedCount = 0;
  /** Refused connections and why. */
  #refused = new WeakMap<Socket, string>();
  #opts: ConnectionCapOptions;

  constructor(server: Server, opts: ConnectionCapOptions) {
    this.#opts = opts;
    this.counter = new AddressCounter(opts.exempt);
    server.on('connection', (socket: Socket) => this.#onConnection(socket));
  }

  #onConnection(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const why =
      this.counter.total >= this.#opts.max
        ? `the server holds its most connections (${this.#opts.max})`
        : this.counter.count(address) >= this.#opts.perAddress
          ? `too many connections from your address (${this.#opts.perAddress})`
          : null;
    if (!why) {
      socket.once('close', this.counter.add(address));
      return;
    }
    this.refusedCount++;
    if (this.refusedCount === 1 || this.refusedCount % 1000 === 0)
      log.warn(`connection from ${address} refused: ${why} (${this.refusedCount} refused so far)`);
    if (this.#opts.tls) {
      socket.destroy();
      return;
    }
    this.#refused.set(socket, why);
    setTimeout(() => socket.destroy(), REFUSED_GRACE_MS).unref();
  }

  refusedOn(req: IncomingMessage): boolean {
    return this.#refused.has(req.socket);
  }

  /** Throws BUSY (503, Retry-After) when the request came on a refused connection. */
  check(req: IncomingMessage): void {
    const why = this.#refused.get(req.socket);
    if (why === undefined) return;
    throw new AppError('BUSY', `server busy: ${why}; retry later`, {
      retryAfterS: RETRY_AFTER_S,
    });
  }
}
