// An agent running on an inference worker, seen from the server: the same AgentHandle the supervisor drives for
// a local process. It exits when the worker reports the exit, or when the worker's connection drops (a dead
// worker's agents are gone, or about to be: their spawner dies with the worker).
import type { AgentHandle, AgentHandleEvents } from '../signaling/agents.ts';
import { createLogger } from '../util/logger.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';

const log = createLogger('scale:remote-agent');
/** A killed agent whose worker does not confirm the exit this long is written off (the worker died or hangs);
 * its one-time token died with the launch, so it cannot come back into the room. */
const KILL_GRACE_MS = 3000;

export interface RemoteJobControl {
  stop(jobId: string): void;
  kill(jobId: string): void;
}

export class RemoteAgentHandle extends TypedEmitter<AgentHandleEvents> implements AgentHandle {
  readonly jobId: string;
  /** The worker that runs it (null while a queued job waits for one). */
  workerId: string | null;
  /** Pid on the worker's host, once the worker reports it. */
  pid: number | undefined;
  #exited = false;
  #closing = false;
  #control: RemoteJobControl;

  constructor(jobId: string, workerId: string | null, control: RemoteJobControl) {
    super();
    this.jobId = jobId;
    this.workerId = workerId;
    this.#control = control;
  }

  get exited(): boolean {
    return this.#exited;
  }

  onStarted(pid: number, workerId?: string): void {
    if (this.#exited) return;
    this.pid = pid;
    if (workerId) this.workerId = workerId;
  }

  onExit(code: number | null, signal: string | null): void {
    if (this.#exited) return;
    this.#exited = true;
    this.safeEmit('exit', (e) => log.error(`job ${this.jobId} exit listener failed`, e), code, signal);
  }

  close(): void {
    if (this.#closing || this.#exited) return;
    this.#closing = true;
    this.#control.stop(this.jobId);
  }

  kill(): void {
    if (this.#exited) return;
    this.#closing = true;
    this.#control.kill(this.jobId);
    setTimeout(() => this.onExit(null, 'SIGKILL'), KILL_GRACE_MS).unref();
  }
}
