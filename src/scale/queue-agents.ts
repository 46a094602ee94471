// The server's side of the agent queue (agent-queue.ts): enqueues a job per launch and turns the queue's events
// into the same RemoteAgentHandle the socket-registered workers give (started: worker and pid; completed or
// failed: exit).

import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AgentLaunchOptions } from '../signaling/agents.ts';
import { createLogger } from '../util/logger.ts';
import {
  AGENT_QUEUE,
  type AgentControl,
  type AgentJobData,
  type AgentJobProgress,
  type AgentJobResult,
  CONTROL_CHANNEL,
} from './agent-queue.ts';
import { RemoteAgentHandle } from './remote-agent-handle.ts';
import type { JobInfo, RemoteAgents } from './worker-launcher.ts';

const log = createLogger('scale:queue-agents');
/** `auto` asks how many workers consume the queue this often. */
const WORKER_COUNT_MS = 2000;

export class QueueAgents implements RemoteAgents {
  #queue: Queue<AgentJobData>;
  #events: QueueEvents;
  #redis: Redis;
  #handles = new Map<string, { handle: RemoteAgentHandle; options: AgentLaunchOptions }>();
  #workers = 0;
  #timer: NodeJS.Timeout;
  #closed = false;

  private constructor(redis: Redis, queue: Queue<AgentJobData>, events: QueueEvents) {
    this.#redis = redis;
    this.#queue = queue;
    this.#events = events;
    events.on('progress', ({ jobId, data }) => {
      const p = data as Partial<AgentJobProgress>;
      if (typeof p.pid === 'number') this.#handles.get(jobId)?.handle.onStarted(p.pid, p.workerId);
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const r = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as AgentJobResult;
      this.#handles.get(jobId)?.handle.onExit(r?.code ?? null, r?.signal ?? null);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      log.warn(`agent job ${jobId} failed: ${failedReason}`);
      this.#handles.get(jobId)?.handle.onExit(null, 'JOB_FAILED');
    });
    this.#timer = setInterval(() => void this.#countWorkers(), WORKER_COUNT_MS);
    this.#timer.unref();
    void this.#countWorkers();
  }

  /** `redis` (this node's connection) publishes control messages; the queue opens its own connections. */
  static async open(redis: Redis): Promise<QueueAgents> {
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue<AgentJobData>(AGENT_QUEUE, { connection });
    const events = new QueueEvents(AGENT_QUEUE, {
      connection: redis.duplicate({ maxRetriesPerRequest: null }),
    });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueAgents(redis, queue, events);
  }

  async #countWorkers(): Promise<void> {
    try {
      this.#workers = await this.#queue.getWorkersCount();
    } catch (e) {
      log.debug('worker count failed', e);
    }
  }

  start(options: AgentLaunchOptions, mustPlace: boolean): RemoteAgentHandle | null {
    if (this.#closed || (!mustPlace && this.#workers === 0)) return null;
    const jobId = randomBytes(9).toString('base64url');
    const handle = new RemoteAgentHandle(jobId, null, {
      stop: (id) => this.#control(id, 'stop'),
      kill: (id) => this.#control(id, 'kill'),
    });
    this.#handles.set(jobId, { handle, options });
    handle.on('exit', () => this.#handles.delete(jobId));
    this.#queue
      .add('agent', { options }, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .then(
        () => log.info(`job ${jobId} (${options.room}/${options.forParticipantId}) queued`),
        (e) => {
          log.error(`could not queue job ${jobId}`, e);
          handle.onExit(null, 'QUEUE_FAILED');
        },
      );
    return handle;
  }

  #control(jobId: string, action: AgentControl['action']): void {
    const msg: AgentControl = { jobId, action };
    this.#redis.publish(CONTROL_CHANNEL, JSON.stringify(msg)).catch((e) => log.warn('control failed', e));
    // A job no worker has taken yet just leaves the queue; its handle exits at once.
    this.#queue
      .remove(jobId)
      .then((removed) => removed && this.#handles.get(jobId)?.handle.onExit(null, 'DEQUEUED'))
      .catch(() => undefined);
  }

  jobs(): JobInfo[] {
    return [...this.#handles.values()].map(({ handle, options }) => ({
      jobId: handle.jobId,
      room: options.room,
      participantId: options.forParticipantId,
      workerId: handle.workerId,
      pid: handle.pid ?? null,
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([this.#events.close(), this.#queue.close()]);
    await Promise.all([
      this.#events.disconnect().catch(() => undefined),
      this.#queue.disconnect().catch(() => undefined),
    ]);
  }
}
