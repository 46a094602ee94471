// A call across two server nodes and two inference workers, all real processes on one redis-server: participants
// joining through different nodes meet in one room (the second is redirected to the room's node) and see each
// other's video; avatar jobs go through the Redis queue to the workers and their output reaches the viewer; a worker killed
// mid-call -> the avatar is held, then served from the other worker.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { AgentStatus } from '../../src/signaling/protocol.ts';
import { nextEvent, until, videoBecomes } from '../media/helpers.ts';
import { viewMarker } from './marker-view.ts';
import { alive, nodeStats, nodeUrl, type Proc, startNode, startQueueWorker } from './processes.ts';
import { HAVE_REDIS, startRedis, type TestRedis } from './redis.ts';

const AGENT_WAIT_MS = 45_000;

interface JobRow {
  participantId: string;
  workerId: string | null;
  pid: number | null;
}

describe.skipIf(!HAVE_REDIS)('two server nodes and two queue workers on Redis (processes)', () => {
  let redis: TestRedis;
  const procs: Proc[] = [];
  const nodes: string[] = [];
  const workers = new Map<string, Proc>();
  const cleanup: Array<() => void> = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const node = startNode(redis.url);
      procs.push(node);
      nodes.push(await nodeUrl(node));
    }
    for (const id of ['w1', 'w2']) {
      const w = startQueueWorker(redis.url, id, 2);
      procs.push(w);
      workers.set(id, w);
      await w.line(/registered/);
    }
  }, 120_000);

  afterAll(async () => {
    for (const f of cleanup.reverse()) f();
    await Promise.all(procs.map((p) => p.stop()));
    await redis?.stop();
  });

  it("joins through either node meet on the room's node; avatar jobs run on the workers", async () => {
    const [nodeA, nodeB] = nodes;
    expect(nodeA).not.toBe(nodeB);
    const p1 = await HeadlessClient.connectAndJoin(nodeA, { room: 'span', displayName: 'P1' });
    const p2 = await HeadlessClient.connectAndJoin(nodeB, { room: 'span', displayName: 'P2' });
    cleanup.push(
      () => p1.client.close(),
      () => p2.client.close(),
    );
    // The room lives on A (first joiner), recorded in Redis; B redirected P2 there.
    expect(p1.url).toBe(nodeA);
    expect(p2.url).toBe(nodeA);
    expect(p2.joined.participants.map((p) => p.displayName)).toContain('P1');
    const r = new Redis(redis.url);
    cleanup.push(() => r.disconnect());
    expect(await r.get('gazecam:room:span')).toBe(nodeA);

    const cams = [1, 2].map(() => new HeadlessCamera({ stamp: true, width: 256, height: 256, fps: 15 }));
    for (const c of cams) {
      c.start();
      cleanup.push(() => c.stop());
    }
    await p1.client.publish(cams[0].tracks());
    await p2.client.publish(cams[1].tracks());
    const p1id = p1.joined.participantId;
    const p2id = p2.joined.participantId;
    const at2 = viewMarker(await p2.client.waitForTrack(p1id, 'video'));
    const at1 = viewMarker(await p1.client.waitForTrack(p2id, 'video'));
    cleanup.push(
      () => at1.stop(),
      () => at2.stop(),
    );
    await until(() => at1.raw >= 5 && at2.raw >= 5, 'both participants see each other', 20_000);

    // Avatar for both: two jobs through the queue.
    const processed = (c: HeadlessClient, id: string) => videoBecomes(c, id, 'processed', AGENT_WAIT_MS);
    const served = [processed(p2.client, p1id), processed(p1.client, p2id)];
    await p1.client.settings({ mode: 'avatar' });
    await p2.client.settings({ mode: 'avatar' });
    await Promise.all(served);
    const [m1, m2] = [at1.marker, at2.marker];
    await until(
      () => at1.marker >= m1 + 10 && at2.marker >= m2 + 10,
      'agent frames both ways',
      AGENT_WAIT_MS,
    );

    const stats = await nodeStats<{ agentJobs: JobRow[] }>(nodeA);
    const jobs = stats.agentJobs.sort((a, b) =>
      a.participantId === p1id ? -1 : b.participantId === p1id ? 1 : 0,
    );
    expect(jobs.map((j) => j.participantId)).toEqual([p1id, p2id]);
    for (const j of jobs) {
      expect(['w1', 'w2']).toContain(j.workerId);
      expect(j.pid).toBeGreaterThan(0);
      // The worker itself reports running that process.
      await workers.get(j.workerId as string)?.line(new RegExp(`pid ${j.pid}$`), 5000);
    }
    console.log(
      `agent jobs: ${jobs.map((j) => `${j.participantId} on ${j.workerId} (pid ${j.pid})`).join(', ')}`,
    );
    // Node B holds no room.
    const statsB = await nodeStats<{ rooms: unknown[] }>(nodeB);
    expect(statsB.rooms).toEqual([]);

    // kill -9 the worker that runs P1's agent: P2 sees the avatar held, then served again by an agent from the
    // other worker (the queue hands the restarted job to the one left).
    const victim = jobs[0].workerId as string;
    const held = nextEvent<AgentStatus>(
      p2.client,
      'agentstatus',
      (st) => st.participantId === p1id && st.state === 'fallback-held',
      AGENT_WAIT_MS,
    );
    const back = processed(p2.client, p1id);
    const killedAt = performance.now();
    workers.get(victim)?.child.kill('SIGKILL');
    await held;
    await back;
    console.log(`worker SIGKILL (queue): served again after ${Math.round(performance.now() - killedAt)} ms`);
    const n = at2.marker;
    await until(() => at2.marker >= n + 10, 'frames from the agent on the other worker', AGENT_WAIT_MS);
    const after = await nodeStats<{ agentJobs: JobRow[] }>(nodeA);
    const again = after.agentJobs.find((j) => j.participantId === p1id);
    expect(again?.workerId).toBeDefined();
    expect(again?.workerId).not.toBe(victim);

    // Mode off: the stop travels to the worker, the agent exits, its job completes and leaves the list.
    const p2job = again && after.agentJobs.find((j) => j.participantId === p2id);
    await p2.client.settings({ mode: 'none' });
    await expect
      .poll(
        async () => (await nodeStats<{ agentJobs: JobRow[] }>(nodeA)).agentJobs.map((j) => j.participantId),
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([p1id]);
    if (p2job?.pid) await until(() => !alive(p2job.pid as number), "P2's agent to exit", 15_000);
  }, 240_000);
});
