// One Janus session over the HTTP transport: requests are POSTs, events arrive by long poll (GET on the
// session), and a keepalive holds the session while the long poll is the only traffic. Events are routed to
// the handle that sent them; an asynchronous request resolves with the event that carries its transaction.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { JanusMessage, Jsep } from './messages.ts';

const log = createLogger('media:janus:session');
/** Janus drops a session after 60 s without requests (its default session_timeout). */
const KEEPALIVE_MS = 25_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Events per long poll answer. */
const MAX_EVENTS = 16;

export type JanusSessionEvents = {
  /** The session is gone on Janus's side (restart, timeout) or the long poll cannot reach it. */
  lost: [reason: string];
  close: [];
};

interface Pending {
  resolve: (m: JanusMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Receives the events of one handle. */
export type HandleListener = (m: JanusMessage) => void;

export class JanusSession extends TypedEmitter<JanusSessionEvents> {
  readonly url: string;
  readonly id: number;
  #closed = false;
  /** Set by destroy(): Janus ends the long poll of a destroyed session, which is no loss then. */
  #ending = false;
  #pending = new Map<string, Pending>();
  #handles = new Map<number, HandleListener>();
  #keepalive: NodeJS.Timeout;
  #poll: AbortController | null = null;

  private constructor(url: string, id: number) {
    super();
    this.url = url;
    this.id = id;
    this.#keepalive = setInterval(() => {
      this.post(`${this.id}`, { janus: 'keepalive' }).catch((e) => log.debug('keepalive failed', e.message));
    }, KEEPALIVE_MS);
    this.#keepalive.unref();
    void this.#longPoll();
  }

  static async create(url: string): Promise<JanusSession> {
    const base = url.replace(/\/+$/, '');
    const res = await postJson(base, { janus: 'create', transaction: randomUUID() });
    if (res.janus !== 'success' || !res.data?.id) throw janusError(res, 'create session');
    log.debug(`session ${res.data.id} on ${base}`);
    return new JanusSession(base, res.data.id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** POSTs a request under the session (`path`: session or session/handle); resolves with Janus's reply. */
  async post(path: string, body: Record<string, unknown>): Promise<JanusMessage> {
    if (this.#closed) throw new AppError('CLOSED', 'Janus session is closed');
    return postJson(`${this.url}/${path}`, { transaction: randomUUID(), ...body });
  }

  /**
   * Sends a request whose result comes as an event (Janus first acks it); resolves with that event, or with
   * the reply itself when Janus answers at once.
   */
  async request(path: string, body: Record<string, unknown>, jsep?: Jsep): Promise<JanusMessage> {
    if (this.#closed) throw new AppError('CLOSED', 'Janus session is closed');
    const transaction = randomUUID();
    const event = new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new AppError('NEGOTIATION_FAILED', `Janus ${String(body.janus)} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(transaction, { resolve, reject, timer });
    });
    let reply: JanusMessage;
    try {
      reply = await postJson(`${this.url}/${path}`, { ...body, transaction, ...(jsep ? { jsep } : {}) });
    } catch (e) {
      this.#settle(transaction)?.reject(e as Error);
      return event;
    }
    if (reply.janus !== 'ack') this.#settle(transaction)?.resolve(reply);
    return event;
  }

  #settle(transaction: string): Pending | undefined {
    const p = this.#pending.get(transaction);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.#pending.delete(transaction);
    return p;
  }

  /** Routes a handle's events to `listener` until `removeHandle`. */
  addHandle(handleId: number, listener: HandleListener): void {
    this.#handles.set(handleId, listener);
  }

  removeHandle(handleId: number): void {
    this.#handles.delete(handleId);
  }

  async #longPoll(): Promise<void> {
    while (!this.#closed) {
      this.#poll = new AbortController();
      let events: JanusMessage[];
      try {
        const res = await fetch(`${this.url}/${this.id}?maxev=${MAX_EVENTS}&rid=${Date.now()}`, {
          signal: this.#poll.signal,
        });
        const body = (await res.json()) as JanusMessage | JanusMessage[];
        events = Array.isArray(body) ? body : [body];
      } catch (e) {
        if (this.#closed || this.#ending) return;
        this.#lose(`long poll failed: ${(e as Error).message}`);
        return;
      }
      for (const m of events) {
        if (m.janus === 'error' && m.error?.code === 458) {
          this.#lose('no such session');
          return;
        }
        this.#dispatch(m);
      }
    }
  }

  #dispatch(m: JanusMessage): void {
    if (m.janus === 'keepalive') return;
    if (m.janus === 'timeout') {
      this.#lose('session timed out');
      return;
    }
    if (m.sender !== undefined) {
      try {
        this.#handles.get(m.sender)?.(m);
      } catch (e) {
        log.warn('handle listener threw', e);
      }
    }
    if (m.transaction && m.janus !== 'ack') this.#settle(m.transaction)?.resolve(m);
  }

  #lose(reason: string): void {
    if (this.#closed) return;
    log.error(`Janus session ${this.id} lost: ${reason}`);
    this.emit('lost', reason);
    this.#shutdown();
  }

  #shutdown(): void {
    this.#closed = true;
    clearInterval(this.#keepalive);
    this.#poll?.abort();
    for (const [t, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('CLOSED', 'Janus session closed'));
      this.#pending.delete(t);
    }
    this.#handles.clear();
    this.emit('close');
    this.removeAllListeners();
  }

  /** Destroys the session on Janus (which detaches what is left of its handles) and stops polling. */
  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#ending = true;
    const done = this.post(`${this.id}`, { janus: 'destroy' }).catch((e) =>
      log.debug('destroy session failed', e.message),
    );
    await done;
    this.#shutdown();
  }
}

async function postJson(url: string, body: Record<string, unknown>): Promise<JanusMessage> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new AppError('NEGOTIATION_FAILED', `Janus unreachable at ${url}: ${(e as Error).message}`);
  }
  return (await res.json()) as JanusMessage;
}

/** A Janus core error (or an unexpected reply) as an AppError. */
export function janusError(m: JanusMessage, what: string): AppError {
  const reason = m.error ? `${m.error.reason} (${m.error.code})` : `unexpected reply "${m.janus}"`;
  return new AppError('NEGOTIATION_FAILED', `Janus ${what}: ${reason}`);
}
