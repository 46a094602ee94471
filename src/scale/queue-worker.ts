// An inference worker on the Redis agent queue (several server nodes): takes up to `capacity` jobs at once, runs
// each as a local agent process connected to the node named in the job, reports worker id and pid as the job's
// progress, and ends the job when its agent exits. Stop/kill requests arrive on the control channel.

import { hostname } from 'node:os';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ProcessAgentLauncher, type ProcessLauncherOptions } from '../inference/agent/launcher.ts';
import type { AgentHandle } from '../signaling/agents.ts';
import { createLogger } from '../util/logger.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import { agentPid } from './agent-pid.ts';
import {
  AGENT_QUEUE,
  type AgentControl,
  type AgentJobData,
  type AgentJobProgress,
  type AgentJobResult,
  CONTROL_CHANNEL,
  JOB_LOCK_MS,
} from './agent-queue.ts';
import type { InferenceWorkerEvents } from './inference-worker.ts';

const log = createLogger('scale:queue-worker');

export interface QueueWorkerOptions {
  redisUrl: string;
  capacity?: number;
  workerId?: string;
  launcher?: ProcessLauncherOptions;
}

export class QueueWorker extends TypedEmitter<InferenceWorkerEvents> {
  readonly workerId: string;
  readonly capacity: number;
  #worker: Worker<AgentJobData, AgentJobResult>;
  #sub: Redis;
  #connection: Redis;
  #launcher: ProcessAgentLauncher;
  #jobs = new Map<string, AgentHandle>();
  #closed = false;

  constructor(opts: QueueWorkerOptions) {
    super();
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
    this.capacity = opts.capacity ?? 1;
    this.#launcher = new ProcessAgentLauncher(opts.launcher);
    this.#connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.#worker = new Worker<AgentJobData, AgentJobResult>(AGENT_QUEUE, (job) => this.#run(job), {
      connection: this.#connection,
      concurrency: this.capacity,
      name: this.workerId,
      // A dead worker's jobs fail within seconds (not 30 s), and are never handed to another worker as they
      // are: the server's supervisor decides on the restart.
      lockDuration: JOB_LOCK_MS,
      stalledInterval: Math.round(JOB_LOCK_MS / 2),
      maxStalledCount: 0,
    });
    this.#worker.on('error', (e) => log.warn(`queue: ${e.message}`));
    this.#worker.on('ready', () => {
      log.info(`taking agent jobs as ${this.workerId} (capacity ${this.capacity})`);
      this.emit('registered');
    });
    this.#sub = new Redis(opts.redisUrl);
    this.#sub.on('error', (e) => log.warn(`redis: ${e.message}`));
    void this.#sub.subscribe(CONTROL_CHANNEL);
    this.#sub.on('message', (_channel, raw: string) => {
      let msg: AgentControl;
      try {
        msg = JSON.parse(raw) as AgentControl;
      } catch {
        return;
      }
      const h = this.#jobs.get(msg.jobId);
      if (msg.action === 'kill') h?.kill();
      else h?.close();
    });
  }

  get running(): number {
    return this.#jobs.size;
  }

  async #run(job: Job<AgentJobData, AgentJobResult>): Promise<AgentJobResult> {
    const jobId = job.id as string;
    const handle = this.#launcher.launch(job.data.options);
    this.#jobs.set(jobId, handle);
    const exited = new Promise<AgentJobResult>((resolve) =>
      handle.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const pid = await agentPid(handle);
    if (pid !== null && !handle.exited) {
      const progress: AgentJobProgress = { workerId: this.workerId, pid };
      await job.updateProgress(progress as unknown as object);
      this.emit('job', jobId, pid);
    }
    const result = await exited;
    this.#jobs.delete(jobId);
    this.emit('jobExit', { jobId, ...result });
    return result;
  }

  /** Stops taking jobs, ends every agent and the spawner (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const h of this.#jobs.values()) h.close();
    this.#launcher.close();
    this.#sub.disconnect();
    await this.#worker.close(true).catch(() => undefined);
    this.#connection.disconnect();
  }
}
