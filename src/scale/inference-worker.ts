// An inference worker: registers with a server's `/workers` namespace and runs the agents it is given on this
// host with the ProcessAgentLauncher (spawner, warm pool, niceness as for local agents). Its agents connect to
// the server URL the worker was started with, over socket.io and WebRTC like any participant. A lost connection
// stops every agent (the server has already written them off) and socket.io reconnects by itself.
import { hostname } from 'node:os';
import { io, type Socket } from 'socket.io-client';
import { ProcessAgentLauncher, type ProcessLauncherOptions } from '../inference/agent/launcher.ts';
import type { AgentHandle } from '../signaling/agents.ts';
import { createLogger } from '../util/logger.ts';
import { pinnedTlsOptions } from '../util/tls-pin.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import { agentPid } from './agent-pid.ts';
import {
  FROM_WORKER,
  type JobExit,
  type JobRef,
  type JobStart,
  type JobStarted,
  type ServerToWorkerEvents,
  TO_WORKER,
  WORKER_NAMESPACE,
  type WorkerAuth,
  type WorkerToServerEvents,
} from './worker-protocol.ts';

const log = createLogger('scale:worker');

export interface InferenceWorkerOptions {
  /** The server's URL as this host reaches it (agents connect there too). */
  serverUrl: string;
  token: string;
  /** Most agents at once (default 1). */
  capacity?: number;
  workerId?: string;
  /** PEM of the certificate an https:// server presents (self-signed): pinned, any host name. */
  serverCert?: string;
  launcher?: ProcessLauncherOptions;
}

export type InferenceWorkerEvents = {
  registered: [];
  unregistered: [reason: string];
  job: [jobId: string, pid: number];
  jobExit: [JobExit];
};

export class InferenceWorker extends TypedEmitter<InferenceWorkerEvents> {
  readonly workerId: string;
  readonly capacity: number;
  #serverUrl: string;
  #socket: Socket<ServerToWorkerEvents, WorkerToServerEvents>;
  #launcher: ProcessAgentLauncher;
  #jobs = new Map<string, AgentHandle>();
  #closed = false;

  constructor(opts: InferenceWorkerOptions) {
    super();
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
    this.capacity = opts.capacity ?? 1;
    this.#serverUrl = opts.serverUrl.replace(/\/+$/, '');
    this.#launcher = new ProcessAgentLauncher(opts.launcher);
    const auth: WorkerAuth = { token: opts.token, workerId: this.workerId, capacity: this.capacity };
    this.#socket = io(`${this.#serverUrl}${WORKER_NAMESPACE}`, {
      auth,
      transports: ['websocket'],
      ...(opts.serverCert ? pinnedTlsOptions(opts.serverCert) : {}),
    });
    this.#socket.on('connect', () => {
      log.info(`registered with ${this.#serverUrl} as ${this.workerId} (capacity ${this.capacity})`);
      this.emit('registered');
    });
    this.#socket.on('connect_error', (e) =>
      log.warn(`cannot register with ${this.#serverUrl}: ${e.message}`),
    );
    this.#socket.on('disconnect', (reason) => {
      // The server counts this worker's jobs as exited: their agents must not keep serving unsupervised.
      for (const h of this.#jobs.values()) h.close();
      this.emit('unregistered', reason);
    });
    this.#socket.on(TO_WORKER.start, (job: JobStart) => this.#start(job));
    this.#socket.on(TO_WORKER.stop, ({ jobId }: JobRef) => this.#jobs.get(jobId)?.close());
    this.#socket.on(TO_WORKER.kill, ({ jobId }: JobRef) => this.#jobs.get(jobId)?.kill());
  }

  /** Agents running now. */
  get running(): number {
    return this.#jobs.size;
  }

  #start({ jobId, options }: JobStart): void {
    if (this.#closed || this.#jobs.has(jobId)) return;
    // The server counts capacity; a job beyond it (a server that lost count) is refused as an exit.
    if (this.#jobs.size >= this.capacity) {
      this.#send(FROM_WORKER.exit, { jobId, code: null, signal: 'WORKER_FULL' });
      return;
    }
    // The server knows itself by its listen address; this host reaches it by the URL it registered with.
    const handle = this.#launcher.launch({ ...options, serverUrl: this.#serverUrl });
    this.#jobs.set(jobId, handle);
    void agentPid(handle).then((pid) => {
      if (pid === null || handle.exited) return;
      const started: JobStarted = { jobId, pid };
      this.#send(FROM_WORKER.started, started);
      this.emit('job', jobId, pid);
    });
    handle.on('exit', (code, signal) => {
      this.#jobs.delete(jobId);
      const exit: JobExit = { jobId, code, signal };
      this.#send(FROM_WORKER.exit, exit);
      this.emit('jobExit', exit);
    });
  }

  /** Reports only to a live connection: a new one starts with no jobs on the server's side. */
  #send<E extends keyof WorkerToServerEvents>(event: E, ...body: Parameters<WorkerToServerEvents[E]>): void {
    if (this.#socket.connected) this.#socket.emit(event, ...body);
  }

  /** Stops every agent, the spawner and the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    this.#launcher.close();
  }
}
