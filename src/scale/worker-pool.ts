// The server's side of inference workers: the `/workers` socket.io namespace admits workers that present the
// shared WORKER_TOKEN, tracks each one's capacity and running jobs, and starts jobs on the least loaded one.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import type { AgentLaunchOptions } from '../signaling/agents.ts';
import { type BackoffPolicy, BackoffTable } from '../util/backoff.ts';
import { createLogger } from '../util/logger.ts';
import { addressKey, networkKey } from '../util/network-key.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import { RemoteAgentHandle } from './remote-agent-handle.ts';
import type { JobInfo, RemoteAgents } from './worker-launcher.ts';
import {
  FROM_WORKER,
  JobExitSchema,
  type JobStart,
  JobStartedSchema,
  type ServerToWorkerEvents,
  TO_WORKER,
  type WorkerAuth,
  WorkerAuthSchema,
  type WorkerToServerEvents,
} from './worker-protocol.ts';

const log = createLogger('scale:worker-pool');

export type WorkerNamespace = Namespace<WorkerToServerEvents, ServerToWorkerEvents>;
type WorkerSocket = Socket<WorkerToServerEvents, ServerToWorkerEvents>;

export interface WorkerInfo {
  workerId: string;
  capacity: number;
  running: number;
  jobs: Array<{ jobId: string; room: string; participantId: string; pid: number | null }>;
}

export type WorkerPoolEvents = { change: [] };

// Wrong tokens per address (and per /24 or /64) before refusals come unchecked, doubling up to 10 minutes.
const ADDRESS_POLICY: BackoffPolicy = { free: 5, baseMs: 1000, maxMs: 600_000, forgetMs: 900_000 };
const NETWORK_POLICY: BackoffPolicy = { ...ADDRESS_POLICY, free: 50 };

class ConnectedWorker {
  readonly auth: WorkerAuth;
  readonly socket: WorkerSocket;
  readonly jobs = new Map<string, { handle: RemoteAgentHandle; options: AgentLaunchOptions }>();

  constructor(auth: WorkerAuth, socket: WorkerSocket) {
    this.auth = auth;
    this.socket = socket;
  }

  get load(): number {
    return this.jobs.size / this.auth.capacity;
  }

  get full(): boolean {
    return this.jobs.size >= this.auth.capacity;
  }

  start(options: AgentLaunchOptions): RemoteAgentHandle {
    const jobId = randomBytes(9).toString('base64url');
    const handle = new RemoteAgentHandle(jobId, this.auth.workerId, {
      stop: (id) => this.socket.emit(TO_WORKER.stop, { jobId: id }),
      kill: (id) => this.socket.emit(TO_WORKER.kill, { jobId: id }),
    });
    this.jobs.set(jobId, { handle, options });
    handle.on('exit', () => this.jobs.delete(jobId));
    const job: JobStart = { jobId, options };
    this.socket.emit(TO_WORKER.start, job);
    log.info(`job ${jobId} (${options.room}/${options.forParticipantId}) -> worker ${this.auth.workerId}`);
    return handle;
  }

  info(): WorkerInfo {
    return {
      workerId: this.auth.workerId,
      capacity: this.auth.capacity,
      running: this.jobs.size,
      jobs: [...this.jobs.values()].map(({ handle, options }) => ({
        jobId: handle.jobId,
        room: options.room,
        participantId: options.forParticipantId,
        pid: handle.pid ?? null,
      })),
    };
  }

  /** The worker is gone: every job it held has exited as far as the server can tell. */
  lost(): void {
    for (const { handle } of [...this.jobs.values()]) handle.onExit(null, 'WORKER_LOST');
  }
}

export class WorkerPool extends TypedEmitter<WorkerPoolEvents> implements RemoteAgents {
  #workers = new Map<string, ConnectedWorker>();
  #nsp: WorkerNamespace;
  #closed = false;
  #wrongTokens = new BackoffTable();

  constructor(nsp: WorkerNamespace, token: string) {
    super();
    this.#nsp = nsp;
    const expected = Buffer.from(token);
    nsp.use((socket, next) => {
      // While an address or its network waits, nothing is checked (the right token neither): guessing is slow.
      const now = Date.now();
      const keys: Array<[string, BackoffPolicy]> = [
        [`a:${addressKey(socket.handshake.address)}`, ADDRESS_POLICY],
        [`n:${networkKey(socket.handshake.address)}`, NETWORK_POLICY],
      ];
      const wait = Math.max(...keys.map(([k, p]) => this.#wrongTokens.wait(k, now, p)));
      if (wait > 0) return next(new Error(`RATE_LIMITED: retry in ${Math.ceil(wait / 1000)} s`));
      const auth = WorkerAuthSchema.safeParse(socket.handshake.auth);
      const got = Buffer.from(auth.success ? auth.data.token : '');
      const ok =
        !this.#closed && token.length > 0 && got.length === expected.length && timingSafeEqual(got, expected);
      if (!ok && !this.#closed) for (const [k, p] of keys) this.#wrongTokens.fail(k, now, p);
      next(ok ? undefined : new Error('FORBIDDEN: invalid worker credentials'));
    });
    nsp.on('connection', (socket) => this.#onConnection(socket));
  }

  #onConnection(socket: WorkerSocket): void {
    const auth = WorkerAuthSchema.parse(socket.handshake.auth);
    const worker = new ConnectedWorker(auth, socket);
    this.#workers.set(socket.id, worker);
    log.info(`worker ${auth.workerId} registered (capacity ${auth.capacity})`);
    socket.on(FROM_WORKER.started, (m: unknown) => {
      const r = JobStartedSchema.safeParse(m);
      if (r.success) worker.jobs.get(r.data.jobId)?.handle.onStarted(r.data.pid);
    });
    socket.on(FROM_WORKER.exit, (m: unknown) => {
      const r = JobExitSchema.safeParse(m);
      if (r.success) worker.jobs.get(r.data.jobId)?.handle.onExit(r.data.code, r.data.signal);
      this.emit('change');
    });
    socket.on('disconnect', (reason) => {
      this.#workers.delete(socket.id);
      const line = `worker ${auth.workerId} gone (${reason}); its ${worker.jobs.size} jobs end`;
      if (this.#closed || reason === 'server shutting down') log.info(line);
      else log.warn(line);
      worker.lost();
      this.emit('change');
    });
    this.emit('change');
  }

  /** Starts the job on the least loaded worker with room; null when none has room. */
  start(options: AgentLaunchOptions): RemoteAgentHandle | null {
    let best: ConnectedWorker | null = null;
    for (const w of this.#workers.values()) if (!w.full && (!best || w.load < best.load)) best = w;
    if (!best) return null;
    const handle = best.start(options);
    this.emit('change');
    return handle;
  }

  jobs(): JobInfo[] {
    return this.workers().flatMap((w) => w.jobs.map((j) => ({ ...j, workerId: w.workerId })));
  }

  workers(): WorkerInfo[] {
    return [...this.#workers.values()].map((w) => w.info());
  }

  /** Stops listening; connected workers are told nothing and drop with the server (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#workers.values()]) w.socket.disconnect(true);
    this.#nsp.removeAllListeners();
  }
}
