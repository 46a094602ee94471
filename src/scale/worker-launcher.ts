// AgentLauncher for a server with inference workers (AGENT_WORKERS): `remote` starts every agent on a worker,
// `auto` prefers a worker and falls back to this machine's launcher when none has room, `local` never uses
// workers. Without a place to run, the handle exits at once and the supervisor treats it as a lost agent
// (avatar held, restart with back-off), so a worker that registers a moment later still gets the job.
import type {
  AgentHandle,
  AgentHandleEvents,
  AgentLauncher,
  AgentLaunchOptions,
} from '../signaling/agents.ts';
import { createLogger } from '../util/logger.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';

const log = createLogger('scale:worker-launcher');

export type WorkerMode = 'local' | 'remote' | 'auto';

/** One agent job on a worker, for /stats and tests. */
export interface JobInfo {
  jobId: string;
  room: string;
  participantId: string;
  workerId: string | null;
  pid: number | null;
}

/** Where remote agents run: socket-registered workers (worker-pool.ts) or the Redis queue (queue-agents.ts). */
export interface RemoteAgents {
  /** Starts the agent on a worker; null when none can take it now (`mustPlace`: queue it anyway if possible). */
  start(options: AgentLaunchOptions, mustPlace: boolean): AgentHandle | null;
  jobs(): JobInfo[];
}

/** A launch that found nowhere to run: it has exited by the next tick. */
class UnplacedHandle extends TypedEmitter<AgentHandleEvents> implements AgentHandle {
  readonly pid = undefined;
  exited = false;

  constructor() {
    super();
    setImmediate(() => {
      this.exited = true;
      this.safeEmit('exit', (e) => log.error('exit listener failed', e), null, 'NO_WORKER');
    });
  }

  close(): void {}
  kill(): void {}
}

export class WorkerAgentLauncher implements AgentLauncher {
  #remote: RemoteAgents;
  #mode: WorkerMode;
  #local: AgentLauncher | undefined;

  constructor(remote: RemoteAgents, mode: WorkerMode, local?: AgentLauncher) {
    this.#remote = remote;
    this.#mode = mode;
    this.#local = local;
  }

  launch(options: AgentLaunchOptions): AgentHandle {
    if (this.#mode !== 'local') {
      const remote = this.#remote.start(options, this.#mode === 'remote');
      if (remote) return remote;
    }
    if (this.#mode !== 'remote' && this.#local) return this.#local.launch(options);
    log.warn(`no inference worker has room for ${options.room}/${options.forParticipantId}`);
    return new UnplacedHandle();
  }
}
